"""Small query functions taking a session; no business rules live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import (
    Agency,
    ChatUser,
    Cohort,
    ConversationState,
    KnowledgeQuestion,
    KnowledgeTopic,
    MessageLog,
    TrainingExample,
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


Person = tuple[str, str]  # (channel, platform user id)

# Built once: constructing a SELECT costs about as much as running it on SQLite.
_USERS_AND_STATES = (
    select(ChatUser, ConversationState)
    .outerjoin(ConversationState, ConversationState.user_id == ChatUser.id)
    .where(tuple_(ChatUser.channel, ChatUser.platform_user_id).in_(bindparam("people", expanding=True)))
)


async def users_and_states(
    session: AsyncSession, people: Sequence[Person]
) -> dict[Person, tuple[ChatUser, ConversationState]]:
    """People and their conversation states for a batch of turns in one round trip; newcomers are created.

    The hot path of every chat turn: a batch of N turns costs one SELECT, plus one INSERT for whoever
    writes for the first time.
    """
    wanted = list(dict.fromkeys(people))
    rows = await session.execute(_USERS_AND_STATES, {"people": wanted})
    found: dict[Person, tuple[ChatUser, ConversationState | None]] = {
        (user.channel, user.platform_user_id): (user, state) for user, state in rows
    }
    newcomers = [
        ChatUser(channel=channel, platform_user_id=platform_user_id, subscribed=False, blocked=False)
        for channel, platform_user_id in wanted
        if (channel, platform_user_id) not in found
    ]
    if newcomers:
        session.add_all(newcomers)
        await session.flush()
        found.update({(user.channel, user.platform_user_id): (user, None) for user in newcomers})
    result: dict[Person, tuple[ChatUser, ConversationState]] = {}
    for person in wanted:
        user, state = found[person]
        if state is None:
            state = ConversationState(user_id=user.id, pending=None, data={})
            session.add(state)
        result[person] = (user, state)
    return result


async def find_user(session: AsyncSession, channel: str, platform_user_id: str) -> ChatUser | None:
    return await session.scalar(
        select(ChatUser).where(ChatUser.channel == channel, ChatUser.platform_user_id == platform_user_id)
    )


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Remove the person and everything keyed to them (state and message log cascade)."""
    await session.execute(delete(MessageLog).where(MessageLog.user_id == user_id))
    await session.execute(delete(ConversationState).where(ConversationState.user_id == user_id))
    await session.execute(delete(ChatUser).where(ChatUser.id == user_id))


# RETURNING the new ids in the order given (one statement for the batch on both SQLite and PostgreSQL):
# an answer's id goes into the person's conversation state, so a 👍/👎 tap rates that very answer.
_MESSAGE_LOG = cast(Table, MessageLog.__table__)
_INSERT_MESSAGE_LOG = insert(_MESSAGE_LOG).returning(_MESSAGE_LOG.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class LogEntry:
    """One answered (or not) message, as the admin's statistics and "unanswered" pages read it."""

    user_id: int | None
    channel: str
    text: str
    intent: str
    confidence: float
    entities: dict[str, object]
    answered: bool
    at: datetime
    topic: str | None = None


async def log_messages(session: AsyncSession, entries: Sequence[LogEntry]) -> list[int]:
    """Append to the message log: one Core executemany for a whole batch of turns (no ORM bookkeeping).

    Returns the new rows' ids, in the order of ``entries``."""
    if not entries:
        return []
    rows = [
        {
            "user_id": e.user_id,
            "channel": e.channel,
            "text": e.text,
            "intent": e.intent,
            "confidence": e.confidence,
            "entities": e.entities,
            "answered": e.answered,
            "topic": e.topic,
            # In UTC like every other timestamp: SQLite drops the offset, so a Bangkok-time value would be
            # read back 7 hours off by the admin dashboard (which buckets days and shows times from UTC).
            "created_at": e.at.astimezone(UTC),
        }
        for e in entries
    ]
    result = await session.execute(_INSERT_MESSAGE_LOG, rows)
    return [int(row_id) for row_id in result.scalars().all()]


async def rate_answer(session: AsyncSession, log_id: int, user_id: int, rating: int, at: datetime) -> str | None:
    """Store a 👍 (1) or 👎 (-1) on the person's own answer ``log_id`` (a later tap replaces an earlier one).

    Returns the rated answer's intent, or None when there is no such answer of theirs. A 👎 also reopens
    the question for review, in case staff had already reviewed it."""
    values: dict[str, object] = {"rating": rating, "rated_at": at.astimezone(UTC)}
    if rating < 0:
        values["reviewed_intent"] = None
    result = await session.execute(
        update(MessageLog)
        .where(MessageLog.id == log_id, MessageLog.user_id == user_id)
        .values(**values)
        .returning(MessageLog.intent)
    )
    intent = result.scalar_one_or_none()
    return None if intent is None else str(intent)


# --- staff-taught training examples (ginbot/web/admin) ---------------------------------------------------


async def training_examples(session: AsyncSession) -> Sequence[TrainingExample]:
    """Questions staff assigned to an intent on the admin page, oldest first (trained beside intents/)."""
    return (await session.scalars(select(TrainingExample).order_by(TrainingExample.id))).all()


async def knowledge_topics(session: AsyncSession) -> Sequence[KnowledgeTopic]:
    """Topics staff created on the admin page, oldest first (merged with data/knowledge/)."""
    return (await session.scalars(select(KnowledgeTopic).order_by(KnowledgeTopic.created_at, KnowledgeTopic.id))).all()


async def unreviewed_messages(session: AsyncSession, ids: Sequence[int]) -> Sequence[MessageLog]:
    """The logged messages ``ids`` that staff have not reviewed yet (others are left alone)."""
    return (
        await session.scalars(select(MessageLog).where(MessageLog.id.in_(ids), MessageLog.reviewed_intent.is_(None)))
    ).all()


async def knowledge_questions(session: AsyncSession) -> Sequence[KnowledgeQuestion]:
    """Phrasings staff added to topics, oldest first."""
    return (await session.scalars(select(KnowledgeQuestion).order_by(KnowledgeQuestion.id))).all()
