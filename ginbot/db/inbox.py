"""Queries of the durable inbox (ginbot/channels/inbox.py); no business rules, only SQL.

Every statement is written for batches, because the webhook path group-commits: one INSERT for all events
that arrived while the previous batch was written, one UPDATE for all events that finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ginbot.db.models import InboxEvent

PENDING, WORKING, DONE, FAILED = "pending", "working", "done", "failed"
UNFINISHED = (PENDING, WORKING)
_TABLE = cast(Table, InboxEvent.__table__)


@dataclass(frozen=True)
class NewEvent:
    channel: str
    event_key: str
    person: str
    payload: str
    sequence: int | None = None  # the platform's order of the person's events, when it has one


@dataclass(frozen=True)
class Leased:
    id: int
    channel: str
    event_key: str
    person: str
    payload: str
    attempts: int  # including this one
    received_at: datetime
    reply_started: bool = False  # an earlier attempt began sending a LINE reply


async def store(session: AsyncSession, events: Sequence[NewEvent], now: datetime) -> list[int | None]:
    """Insert events, ignoring those already stored; per event, its row id when it is new, else None.

    One INSERT … ON CONFLICT DO NOTHING, so a redelivery racing its original on another process stores
    exactly one row. A batch holding the same key twice stores it once (the first is "new").
    """
    if not events:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = InboxEvent.__table__
    # Core executemany rather than a VALUES list: compiled once and cached (see queries.claim_events' history).
    stmt = (
        dialect.insert(table)
        .on_conflict_do_nothing()
        .returning(table.c.channel, table.c.event_key, table.c.id)
    )
    unique = {(e.channel, e.event_key): e for e in events}
    rows = [
        {
            "channel": e.channel,
            "event_key": e.event_key,
            "person": e.person,
            "payload": e.payload,
            "sequence": e.sequence,
            "received_at": now,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for e in unique.values()
    ]
    new = {(row[0], row[1]): int(row[2]) for row in await session.execute(stmt, rows)}
    first: set[tuple[str, str]] = set()
    result: list[int | None] = []
    for e in events:
        key = (e.channel, e.event_key)
        result.append(new.get(key) if key not in first else None)
        first.add(key)
    return result


def _leasable(now: datetime, hold_s: float) -> ColumnElement[bool]:
    earlier = aliased(InboxEvent)
    unfinished_before = exists().where(
        earlier.channel == InboxEvent.channel,
        earlier.person == InboxEvent.person,
        _before(earlier.sequence, earlier.id, InboxEvent.sequence, InboxEvent.id),
        earlier.status.in_(UNFINISHED),
    )
    pending = and_(InboxEvent.status == PENDING, InboxEvent.next_attempt_at <= now)
    if hold_s > 0:
        # A new event waits ``hold_s`` for an earlier one of the same person still on its way (sent a moment
        # before, to another replica); a retry has waited long enough.
        pending = and_(
            pending, or_(InboxEvent.attempts > 0, InboxEvent.received_at <= now - timedelta(seconds=hold_s))
        )
    due = or_(pending, and_(InboxEvent.status == WORKING, InboxEvent.lease_until < now))
    return and_(due, ~unfinished_before)


def _before(seq_a: Any, id_a: Any, seq_b: Any, id_b: Any) -> ColumnElement[bool]:
    """Event a comes before event b in the person's own order (the platform's sequence), then arrival."""
    return tuple_(func.coalesce(seq_a, 0), id_a) < tuple_(func.coalesce(seq_b, 0), id_b)


async def lease(
    session: AsyncSession, now: datetime, lease_s: float, limit: int, skip: Sequence[int] = (), hold_s: float = 0.0
) -> list[Leased]:
    """Lease up to ``limit`` events, oldest first: due pending ones and those whose lease ran out.

    An event is leasable only while no earlier event of the same person is unfinished, so one person's
    events are handled one after another in arrival order, whichever process leases them. ``skip``: ids
    this process is still working on (a lease it let run out must not be taken twice by itself).
    """
    ids_query = select(InboxEvent.id).where(_leasable(now, hold_s))
    if skip:
        ids_query = ids_query.where(InboxEvent.id.not_in(list(skip)))
    ids_query = ids_query.order_by(InboxEvent.id).limit(limit).with_for_update(skip_locked=True)
    ids = list((await session.scalars(ids_query)).all())
    return await _take(session, InboxEvent.id.in_(ids), now, lease_s) if ids else []


def _lease_new_statement() -> Update:
    table, earlier = _TABLE, _TABLE.alias("earlier")
    unfinished_before = exists().where(
        earlier.c.channel == table.c.channel,
        earlier.c.person == table.c.person,
        _before(earlier.c.sequence, earlier.c.id, table.c.sequence, table.c.id),
        earlier.c.status.in_(UNFINISHED),
    )
    return (
        update(table)
        .where(table.c.id.in_(bindparam("b_ids", expanding=True)), table.c.status == PENDING, ~unfinished_before)
        .values(status=WORKING, lease_until=bindparam("b_until"), attempts=table.c.attempts + 1)
        .returning(*(table.c[name] for name in _LEASED_COLUMNS))
    )


async def lease_new(session: AsyncSession, ids: Sequence[int], now: datetime, lease_s: float) -> list[Leased]:
    """Lease events this transaction has just stored (``ids``), those that are leasable (see ``lease``).

    No other transaction can see uncommitted rows, so no row lock is needed; an earlier unfinished event of
    the same person (stored before, or earlier in ``ids``) keeps its successor pending for ``lease``. The
    statement is built once: building it per batch cost more than running it.
    """
    if not ids:
        return []
    until = now + timedelta(seconds=lease_s)
    rows = await session.execute(_LEASE_NEW, {"b_ids": list(ids), "b_until": until})
    return _leased(rows)


async def _take(session: AsyncSession, which: ColumnElement[bool], now: datetime, lease_s: float) -> list[Leased]:
    stmt = (
        update(InboxEvent)
        .where(which)
        .values(status=WORKING, lease_until=now + timedelta(seconds=lease_s), attempts=InboxEvent.attempts + 1)
        .returning(
            InboxEvent.id,
            InboxEvent.channel,
            InboxEvent.event_key,
            InboxEvent.person,
            InboxEvent.payload,
            InboxEvent.attempts,
            InboxEvent.received_at,
            InboxEvent.reply_started_at,
        )
    )
    return _leased(await session.execute(stmt))


_LEASED_COLUMNS = ("id", "channel", "event_key", "person", "payload", "attempts", "received_at", "reply_started_at")


def _leased(rows: Iterable[Any]) -> list[Leased]:
    leased = [
        Leased(id_, channel, key, person, payload, attempts, received_at, reply_started=started is not None)
        for id_, channel, key, person, payload, attempts, received_at, started in rows
    ]
    return sorted(leased, key=lambda e: e.id)


async def still_leased(session: AsyncSession, id_: int, attempts: int) -> bool:
    """Whether event ``id_`` is still leased under the lease that made its ``attempts`` (nobody finished it or
    took it over since): the check a replica makes before it works on a re-leased event."""
    found = await session.scalar(
        select(InboxEvent.id).where(
            InboxEvent.id == id_, InboxEvent.status == WORKING, InboxEvent.attempts == attempts
        )
    )
    return found is not None


# Built once: on the webhook path building the statement cost more than running it.
_MARK_REPLY_STARTED = (
    update(_TABLE).where(_TABLE.c.id.in_(bindparam("b_ids", expanding=True))).values(reply_started_at=bindparam("b_at"))
)


async def mark_reply_started(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    await session.execute(_MARK_REPLY_STARTED, {"b_ids": list(ids), "b_at": now})


@dataclass(frozen=True)
class Outcome:
    id: int
    status: str  # DONE, FAILED, or PENDING (retry at next_attempt_at)
    next_attempt_at: datetime | None = None
    error: str | None = None


# Core (not ORM) so a list of parameters runs as one executemany.
_FINISH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        lease_until=None,
        next_attempt_at=bindparam("b_next"),
        last_error=bindparam("b_error"),
        finished_at=bindparam("b_finished"),
    )
)


_LEASE_NEW = _lease_new_statement()


async def finish(session: AsyncSession, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record how leased events ended, in one executemany."""
    if not outcomes:
        return
    rows = [
        {
            "b_id": o.id,
            "b_status": o.status,
            "b_next": o.next_attempt_at or now,
            "b_error": o.error,
            "b_finished": now if o.status in (DONE, FAILED) else None,
        }
        for o in outcomes
    ]
    await session.execute(_FINISH, rows)


async def waiting(session: AsyncSession, now: datetime) -> bool:
    """Whether any event is pending (due or not) or leased by a process whose lease ran out."""
    condition = or_(
        InboxEvent.status == PENDING, and_(InboxEvent.status == WORKING, InboxEvent.lease_until < now)
    )
    return bool(await session.scalar(select(exists().where(condition))))


async def unfinished_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status.in_(UNFINISHED)))
        or 0
    )


async def prune(session: AsyncSession, older_than: datetime) -> int:
    """Delete finished events received before ``older_than``; returns how many went."""
    result = await session.execute(
        delete(InboxEvent).where(InboxEvent.received_at < older_than, InboxEvent.status.in_((DONE, FAILED)))
    )
    return int(getattr(result, "rowcount", 0) or 0)
