"""Readiness SQL: record a person's v9 status (latest + history), and read the counts staff see.

No rules here beyond "the newest answer is the status": what counts as an answer, and when to ask, live in
ginbot/core/answers/readiness.py and ginbot/delivery/checkins.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import Agency, Broadcast, ChatUser, OutboxRow, Readiness, ReadinessReport

READY, PROBLEM, NOT_INSTALLED = "ready", "problem", "not_installed"
STATUSES = (READY, PROBLEM, NOT_INSTALLED)
SOURCES = ("button", "text", "staff")
# Broadcast.kind of the check-in question (ginbot/delivery/checkins.py).
CHECKIN_KIND = "checkin"


def _utc(at: datetime) -> datetime:
    # SQLite drops offsets: every timestamp is stored in UTC so both backends read back the same moment.
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


async def record(
    session: AsyncSession,
    user_id: int,
    status: str,
    source: str,
    at: datetime,
    *,
    staff_name: str | None = None,
) -> None:
    """The person's new status (replacing the previous one), kept in the history too."""
    if status not in STATUSES:
        raise ValueError(f"unknown readiness status {status!r}; use one of {', '.join(STATUSES)}")
    if source not in SOURCES:
        raise ValueError(f"unknown readiness source {source!r}; use one of {', '.join(SOURCES)}")
    at = _utc(at)
    current = await session.get(Readiness, user_id)
    if current is None:
        session.add(Readiness(user_id=user_id, status=status, source=source, reported_at=at))
    else:
        current.status, current.source, current.reported_at = status, source, at
    session.add(ReadinessReport(user_id=user_id, status=status, source=source, staff_name=staff_name, created_at=at))
    await session.flush()


async def status_of(session: AsyncSession, user_id: int) -> Readiness | None:
    return await session.get(Readiness, user_id)


_CHECKIN_IDS = "readiness: check-in broadcast ids"


async def last_checkin_at(session: AsyncSession, user_id: int) -> datetime | None:
    """When this person was last sent a check-in question (None: never).

    Through the check-in broadcasts (a few per cohort), so each probe is one lookup in the outbox's
    (broadcast_id, user_id) unique index rather than a scan of a person's whole outbox history.
    """
    # Two small queries: with the ids as literals each probe is an index lookup, where an IN (SELECT …) let
    # PostgreSQL scan the outbox (it has no index on user_id alone).
    # Once per transaction: the turns of a batch share one, and the check-in broadcasts are the same for all.
    checkins: list[int] | None = session.info.get(_CHECKIN_IDS)
    if checkins is None:
        checkins = list((await session.scalars(select(Broadcast.id).where(Broadcast.kind == CHECKIN_KIND))).all())
        session.info[_CHECKIN_IDS] = checkins
    if not checkins:
        return None
    at = await session.scalar(
        select(func.max(OutboxRow.created_at)).where(
            OutboxRow.broadcast_id.in_(checkins), OutboxRow.user_id == user_id
        )
    )
    return _utc(at) if at is not None else None


# --- what staff see --------------------------------------------------------------------------------------


def subscriber_condition() -> ColumnElement[bool]:
    """Who counts as a subscriber on the readiness page: subscribed, not blocked, agency known."""
    return and_(ChatUser.subscribed.is_(True), ChatUser.blocked.is_(False), ChatUser.agency_id.is_not(None))


@dataclass(frozen=True)
class SubscriberStatus:
    user_id: int
    agency_id: str
    cohort: int
    status: str | None  # None: no answer yet


async def subscriber_statuses(session: AsyncSession, cohort: int | None = None) -> Sequence[SubscriberStatus]:
    """Every subscriber with their agency, cohort and latest status (one query, grouped in Python)."""
    stmt = (
        select(ChatUser.id, ChatUser.agency_id, Agency.cohort, Readiness.status)
        .join(Agency, Agency.id == ChatUser.agency_id)
        .outerjoin(Readiness, Readiness.user_id == ChatUser.id)
        .where(subscriber_condition())
        .order_by(ChatUser.id)
    )
    if cohort is not None:
        stmt = stmt.where(Agency.cohort == cohort)
    rows = await session.execute(stmt)
    return [SubscriberStatus(u, a or "", c, s) for u, a, c, s in rows.all()]


@dataclass(frozen=True)
class HistoryEntry:
    user_id: int
    status: str
    at: datetime


async def history(session: AsyncSession, user_ids: Sequence[int]) -> Sequence[HistoryEntry]:
    """Every recorded answer of these people, oldest first (for the chart over days)."""
    out: list[HistoryEntry] = []
    ids = list(user_ids)
    for i in range(0, len(ids), 500):
        rows = await session.execute(
            select(ReadinessReport.user_id, ReadinessReport.status, ReadinessReport.created_at)
            .where(ReadinessReport.user_id.in_(ids[i : i + 500]))
            .order_by(ReadinessReport.created_at, ReadinessReport.id)
        )
        out.extend(HistoryEntry(u, s, _utc(at)) for u, s, at in rows.all())
    out.sort(key=lambda e: e.at)
    return out


@dataclass(frozen=True)
class PersonStatus:
    """One subscriber of an agency as staff see them: no names, only the channel and their answer."""

    user_id: int
    channel: str
    status: str | None
    source: str | None
    reported_at: datetime | None


async def agency_people(session: AsyncSession, agency_id: str) -> Sequence[PersonStatus]:
    rows = await session.execute(
        select(ChatUser.id, ChatUser.channel, Readiness.status, Readiness.source, Readiness.reported_at)
        .outerjoin(Readiness, Readiness.user_id == ChatUser.id)
        .where(subscriber_condition(), ChatUser.agency_id == agency_id)
        .order_by(ChatUser.id)
    )
    return [PersonStatus(u, c, s, src, _utc(at) if at else None) for u, c, s, src, at in rows.all()]


async def subscriber_agency(session: AsyncSession, user_id: int) -> str | None:
    """The agency of a subscriber (None: not a subscriber), for staff recording a status by hand."""
    return await session.scalar(select(ChatUser.agency_id).where(ChatUser.id == user_id, subscriber_condition()))
