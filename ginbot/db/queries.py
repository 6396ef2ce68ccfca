"""Small query functions taking a session; no business rules live here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import (
    Agency,
    ChatUser,
    Cohort,
    ConversationState,
    MessageLog,
    ProcessedEvent,
    TrainingExample,
    utcnow,
)


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


async def user_and_state(
    session: AsyncSession, channel: str, platform_user_id: str
) -> tuple[ChatUser, ConversationState]:
    """The person and their conversation state in one round trip (the hot path of every chat turn)."""
    row = (
        await session.execute(
            select(ChatUser, ConversationState)
            .outerjoin(ConversationState, ConversationState.user_id == ChatUser.id)
            .where(ChatUser.channel == channel, ChatUser.platform_user_id == platform_user_id)
        )
    ).first()
    if row is None:
        user = await get_or_create_user(session, channel, platform_user_id)
        return user, await get_state(session, user.id)
    user, state = row
    if state is None:
        state = await get_state(session, user.id)
    return user, state


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
        # In UTC like every other timestamp: SQLite drops the offset, so a Bangkok-time value would be read
        # back 7 hours off by the admin dashboard (which buckets days and shows times from UTC).
        created_at=(at or utcnow()).astimezone(UTC),
    )
    session.add(row)
    return row


# --- processed webhook events (ginbot/channels) ---------------------------------------------------------


async def claim_event(session: AsyncSession, channel: str, event_id: str) -> bool:
    """Record that ``event_id`` is being handled; False when it already was (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING, so two deliveries racing on two workers cannot both win.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(ProcessedEvent)
        .values(channel=channel, event_id=event_id, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    )
    return (await session.execute(stmt)).first() is not None


async def claim_events(session: AsyncSession, channel: str, event_ids: Sequence[str]) -> set[str]:
    """Claim several event ids in one statement; returns those that were new (see claim_event)."""
    if not event_ids:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    stmt = (
        dialect.insert(ProcessedEvent)
        .values([{"channel": channel, "event_id": e, "created_at": now} for e in dict.fromkeys(event_ids)])
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    )
    return set((await session.scalars(stmt)).all())


async def release_event(session: AsyncSession, channel: str, event_id: str) -> None:
    """Forget a claim, so a redelivery of an event whose handling failed gets another try."""
    await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.channel == channel, ProcessedEvent.event_id == event_id)
    )


async def prune_processed_events(session: AsyncSession, older_than: datetime) -> int:
    result = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


# --- staff-taught training examples (ginbot/web/admin) ---------------------------------------------------


async def training_examples(session: AsyncSession) -> Sequence[TrainingExample]:
    """Questions staff assigned to an intent on the admin page, oldest first (trained beside intents/)."""
    return (await session.scalars(select(TrainingExample).order_by(TrainingExample.id))).all()
