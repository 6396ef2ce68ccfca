"""Small query functions taking a session; no business rules live here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import Agency, ChatUser, Cohort, ConversationState, MessageLog, utcnow


async def cohorts(session: AsyncSession) -> Sequence[Cohort]:
    return (await session.scalars(select(Cohort).order_by(Cohort.number))).all()


async def agencies(session: AsyncSession) -> Sequence[Agency]:
    return (await session.scalars(select(Agency).order_by(Agency.cohort, Agency.name_th))).all()


async def agency_counts_by_cohort(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(Agency.cohort, func.count()).group_by(Agency.cohort))
    return {c: n for c, n in rows.all()}


async def get_or_create_user(session: AsyncSession, channel: str, platform_user_id: str) -> ChatUser:
    user = await session.scalar(
        select(ChatUser).where(ChatUser.channel == channel, ChatUser.platform_user_id == platform_user_id)
    )
    if user is None:
        user = ChatUser(channel=channel, platform_user_id=platform_user_id, subscribed=False, blocked=False)
        session.add(user)
        await session.flush()
    return user


async def find_user(session: AsyncSession, channel: str, platform_user_id: str) -> ChatUser | None:
    return await session.scalar(
        select(ChatUser).where(ChatUser.channel == channel, ChatUser.platform_user_id == platform_user_id)
    )


async def get_state(session: AsyncSession, user_id: int) -> ConversationState:
    state = await session.get(ConversationState, user_id)
    if state is None:
        state = ConversationState(user_id=user_id, pending=None, data={})
        session.add(state)
    return state


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Remove the person and everything keyed to them (state and message log cascade)."""
    await session.execute(delete(MessageLog).where(MessageLog.user_id == user_id))
    await session.execute(delete(ConversationState).where(ConversationState.user_id == user_id))
    await session.execute(delete(ChatUser).where(ChatUser.id == user_id))


async def log_message(
    session: AsyncSession,
    *,
    user_id: int | None,
    channel: str,
    text: str,
    intent: str,
    confidence: float,
    entities: dict[str, object],
    answered: bool,
    at: datetime | None = None,
) -> MessageLog:
    row = MessageLog(
        user_id=user_id,
        channel=channel,
        text=text,
        intent=intent,
        confidence=confidence,
        entities=entities,
        answered=answered,
        created_at=at or utcnow(),
    )
    session.add(row)
    return row
