"""The dashboard's figures, each one query run in the database (never a table read into memory)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.channels.registry import REGISTRY
from ginbot.db.models import Agency, Broadcast, ChatUser, MessageLog, OutboxRow
from ginbot.delivery.policy import ReminderPolicy, due_at

# Below this the dialogue's answer was a guess worth a human look, even when it was not a fallback.
LOW_CONFIDENCE = 0.6


def channels() -> tuple[str, ...]:
    """The channels people talk on, from the registry (the dashboard's columns)."""
    return REGISTRY.chat_names()


CHANNELS = channels()  # the built-in ones (wave-1 name)


def needs_review() -> ColumnElement[bool]:
    """message_log rows for the unanswered page, not yet reviewed: a fallback, a low-confidence answer, or
    an answer the official rated 👎 (however confident ginbot was)."""
    return (MessageLog.reviewed_intent.is_(None)) & (
        MessageLog.answered.is_(False) | (MessageLog.confidence < LOW_CONFIDENCE) | (MessageLog.rating < 0)
    )


@dataclass(frozen=True)
class AudienceRow:
    cohort: int | None  # None: has not said which agency
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


async def subscribers(session: AsyncSession) -> list[AudienceRow]:
    """Subscribed, not blocked people per cohort and channel (the web chat's users too: they see notices
    when they come back, but are never pushed to)."""
    rows = await session.execute(
        select(Agency.cohort, ChatUser.channel, func.count())
        .select_from(ChatUser)
        .outerjoin(Agency, Agency.id == ChatUser.agency_id)
        .where(ChatUser.subscribed.is_(True), ChatUser.blocked.is_(False))
        .group_by(Agency.cohort, ChatUser.channel)
    )
    table: dict[int | None, dict[str, int]] = {}
    for cohort, channel, n in rows.all():
        table.setdefault(cohort, {})[channel] = int(n)
    order = sorted(c for c in table if c is not None) + ([None] if None in table else [])
    return [AudienceRow(c, table[c]) for c in order]


@dataclass(frozen=True)
class People:
    total: int
    with_agency: int
    blocked: int


async def people(session: AsyncSession) -> People:
    total, with_agency, blocked = (
        await session.execute(
            select(
                func.count(),
                func.count(ChatUser.agency_id),
                func.coalesce(func.sum(case((ChatUser.blocked.is_(True), 1), else_=0)), 0),
            ).select_from(ChatUser)
        )
    ).one()
    return People(int(total), int(with_agency), int(blocked))


async def reminder_deliveries(session: AsyncSession) -> dict[str, int]:
    """Outbox rows of reminders by status (queued and sending are due but not yet delivered)."""
    rows = await session.execute(
        select(OutboxRow.status, func.count())
        .join(Broadcast, Broadcast.id == OutboxRow.broadcast_id)
        .where(Broadcast.kind == "reminder")
        .group_by(OutboxRow.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def reminder_broadcasts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Broadcast.status, func.count()).where(Broadcast.kind == "reminder").group_by(Broadcast.status)
    )
    return {status: int(n) for status, n in rows.all()}


@dataclass(frozen=True)
class UpcomingReminder:
    rule_id: str
    cohort: int
    due: datetime
    agencies: int


def upcoming_reminders(
    policy: ReminderPolicy,
    cohorts: Iterable[tuple[int, date, date]],  # (number, last_v8_date, migration_date)
    agencies_per_cohort: dict[int, int],
    now: datetime,
    limit: int = 4,
) -> list[UpcomingReminder]:
    """The next reminder moments after ``now`` (one per rule and cohort: every agency of a cohort shares
    its dates). Pure."""
    found = []
    for number, last_v8, migration in cohorts:
        for rule in policy.rules:
            due = due_at(policy, rule, last_v8_date=last_v8, migration_date=migration)
            if due > now:
                found.append(UpcomingReminder(rule.id, number, due, agencies_per_cohort.get(number, 0)))
    return sorted(found, key=lambda r: (r.due, r.cohort))[:limit]


@dataclass(frozen=True)
class Day:
    day: date
    total: int
    unanswered: int


async def messages_per_day(session: AsyncSession, today: date, days: int, tz: ZoneInfo) -> list[Day]:
    """Messages and unanswered messages per Bangkok day, ``days`` days up to ``today``, gaps as zeros."""
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    if session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(str(tz), MessageLog.created_at))
    else:
        # SQLite stores the wall time without its offset; ginbot's convention is to store UTC (see
        # delivery/store.py), so shift by the zone's offset (Bangkok has no daylight saving: one fixed shift).
        offset = since.utcoffset() or timedelta(0)
        day = func.date(MessageLog.created_at, f"{int(offset.total_seconds() // 60):+d} minutes")
    rows = await session.execute(
        select(day, func.count(), func.coalesce(func.sum(case((MessageLog.answered.is_(False), 1), else_=0)), 0))
        .where(MessageLog.created_at >= since)
        .group_by(day)
    )
    counts = {date.fromisoformat(str(d)): (int(n), int(u)) for d, n, u in rows.all() if d is not None}
    return [Day(d, *counts.get(d, (0, 0))) for d in (first + timedelta(days=i) for i in range(days))]


def fallback_rate(days: Sequence[Day]) -> tuple[int, int]:
    """(unanswered, total) over the given days."""
    return sum(d.unanswered for d in days), sum(d.total for d in days)


async def unreviewed(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(MessageLog).where(needs_review())) or 0)


@dataclass(frozen=True)
class Ratings:
    """👍/👎 counts for one intent or knowledge topic."""

    key: str
    up: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.down


async def ratings_by(session: AsyncSession, key: ColumnElement[str], *, topics: bool) -> list[Ratings]:
    """👍 and 👎 per value of ``key`` (the intent, the topic), most 👎 first: what needs work on top.
    ``topics``: the answers that came from a knowledge topic, else those scripted for an intent."""
    up = func.coalesce(func.sum(case((MessageLog.rating > 0, 1), else_=0)), 0)
    down = func.coalesce(func.sum(case((MessageLog.rating < 0, 1), else_=0)), 0)
    from_topic = MessageLog.topic.is_not(None) if topics else MessageLog.topic.is_(None)
    rows = await session.execute(
        select(key, up, down).where(MessageLog.rating.is_not(None), key.is_not(None), from_topic).group_by(key)
    )
    found = [Ratings(str(k), int(u), int(d)) for k, u, d in rows.all()]
    return sorted(found, key=lambda r: (-r.down, -r.total, r.key))


async def ratings(session: AsyncSession) -> tuple[list[Ratings], list[Ratings]]:
    """Ratings per intent (scripted answers) and per knowledge topic (topic answers)."""
    columns = MessageLog.__table__.c
    return (
        await ratings_by(session, columns.intent, topics=False),
        await ratings_by(session, columns.topic, topics=True),
    )
