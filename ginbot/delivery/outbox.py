"""The outbox's SQL: claim work (FOR UPDATE SKIP LOCKED on PostgreSQL), record each send's result.

A claim sets status "sending" and a lease; a row or LINE batch still "sending" after its lease belongs to
a crashed worker and is claimed again. Every claiming UPDATE repeats the "is it claimable" condition, so
even without row locks (SQLite) two claimers never both win the same row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, Integer, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.messages import Card, QuickReply
from ginbot.db.models import Base, Broadcast, ChatUser, LineBatch, OutboxRow
from ginbot.delivery.cards import card_of
from ginbot.delivery.store import as_utc, utc


def buttons_of(stored: list[dict[str, str]] | None) -> tuple[QuickReply, ...]:
    """A broadcast's stored quick replies as the core's type (a malformed entry is dropped, not sent)."""
    return tuple(
        QuickReply(str(b["label"]), str(b["text"]))
        for b in stored or ()
        if isinstance(b, dict) and b.get("label") and b.get("text")
    )


@dataclass(frozen=True)
class Claimed:
    """One claimed Telegram row with what sending needs."""

    id: int
    user_id: int
    chat_id: str
    text: str
    attempts: int
    buttons: tuple[QuickReply, ...] = ()
    card: Card | None = None


@dataclass(frozen=True)
class ClaimedBatch:
    """One LINE multicast request: fixed recipients and retry key."""

    id: int
    retry_key: str
    text: str
    attempts: int
    row_ids: tuple[int, ...]
    user_ids: tuple[str, ...]  # LINE userIds
    buttons: tuple[QuickReply, ...] = ()
    card: Card | None = None


def _claimable(model: type[OutboxRow] | type[LineBatch], now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(model.status == "queued", model.next_attempt_at <= now),
        and_(model.status == "sending", model.lease_until < now),
    )


async def _lock_ids(
    session: AsyncSession, channel: str, now: datetime, limit: int, *extra: ColumnElement[bool]
) -> list[int]:
    """Ids of claimable rows, locked (SKIP LOCKED). Two index-only probes rather than one OR, so the cost is
    the batch size, not the size of the outbox: expired leases first (few), then the queue in due order."""
    ids: list[int] = []
    probes = (
        (and_(OutboxRow.status == "sending", OutboxRow.lease_until < now), None),
        (and_(OutboxRow.status == "queued", OutboxRow.next_attempt_at <= now), OutboxRow.next_attempt_at),
    )
    for condition, order in probes:
        if len(ids) >= limit:
            break
        stmt = select(OutboxRow.id).where(OutboxRow.channel == channel, condition, *extra)
        if order is not None:
            stmt = stmt.order_by(order)
        stmt = stmt.limit(limit - len(ids)).with_for_update(skip_locked=True)
        ids += list((await session.scalars(stmt)).all())
    return ids


async def _screen(session: AsyncSession, ids: Sequence[int], now: datetime) -> list[Claimed]:
    """Settle rows that must not be sent (unsubscribed, blocked, expired); return the rest with what sending
    needs (one query for both, since every statement costs a round trip per batch)."""
    if not ids:
        return []
    rows = await session.execute(
        select(
            OutboxRow.id,
            OutboxRow.user_id,
            ChatUser.platform_user_id,
            Broadcast.text,
            OutboxRow.attempts,
            ChatUser.subscribed,
            ChatUser.blocked,
            Broadcast.expires_at,
            Broadcast.kind,
            Broadcast.quick_replies,
            Broadcast.card,
        )
        .join(ChatUser, ChatUser.id == OutboxRow.user_id)
        .join(Broadcast, Broadcast.id == OutboxRow.broadcast_id)
        .where(OutboxRow.id.in_(ids))
        .order_by(OutboxRow.id)
    )
    keep: list[Claimed] = []
    blocked, skipped = [], []
    for row_id, user_id, platform_id, text, attempts, subscribed, user_blocked, expires_at, kind, quick, card in rows:
        # An answer to someone's question goes whether or not they subscribed to reminders.
        wanted = subscribed or kind == "answer"
        if user_blocked:
            blocked.append(row_id)
        elif not wanted or (expires_at is not None and as_utc(expires_at) < now):
            skipped.append(row_id)
        else:
            keep.append(Claimed(row_id, user_id, platform_id, text, attempts, buttons_of(quick), card_of(card, text)))
    if blocked:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(blocked))
            .values(status="blocked", last_error="user blocked the bot")
        )
    if skipped:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(skipped))
            .values(status="skipped", last_error="unsubscribed or past its grace window")
        )
    return keep


async def claim_rows(
    session: AsyncSession, channel: str, now: datetime, *, lease_s: float, limit: int
) -> list[Claimed]:
    """Claim up to ``limit`` rows of a channel that sends one request per person."""
    now = utc(now)
    broadcast_rows = OutboxRow.broadcast_id.is_not(None)  # direct rows are ginbot.delivery.direct's
    keep = await _screen(session, await _lock_ids(session, channel, now, limit, broadcast_rows), now)
    if not keep:
        return []
    claimed_ids = set(
        (
            await session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_([c.id for c in keep]), _claimable(OutboxRow, now))
                .values(
                    # Still "sending" after the lease: a dead worker may have sent it before dying.
                    possibly_duplicated=case(
                        (OutboxRow.status == "sending", True), else_=OutboxRow.possibly_duplicated
                    ),
                    status="sending",
                    lease_until=now + timedelta(seconds=lease_s),
                )
                .returning(OutboxRow.id)
            )
        ).all()
    )
    return [c for c in keep if c.id in claimed_ids]


async def claim_telegram(session: AsyncSession, now: datetime, *, lease_s: float, limit: int) -> list[Claimed]:
    return await claim_rows(session, "telegram", now, lease_s=lease_s, limit=limit)


async def _batch_details(session: AsyncSession, batch: LineBatch) -> ClaimedBatch:
    rows = (
        await session.execute(
            select(OutboxRow.id, ChatUser.platform_user_id)
            .join(ChatUser, ChatUser.id == OutboxRow.user_id)
            .where(OutboxRow.line_batch_id == batch.id, OutboxRow.status == "sending")
            .order_by(OutboxRow.id)
        )
    ).all()
    found = (
        await session.execute(
            select(Broadcast.text, Broadcast.quick_replies, Broadcast.card).where(Broadcast.id == batch.broadcast_id)
        )
    ).first()
    text, quick, card = (found[0], found[1], found[2]) if found else ("", None, None)
    return ClaimedBatch(
        id=batch.id,
        retry_key=batch.retry_key,
        text=text or "",
        buttons=buttons_of(quick),
        card=card_of(card, text or ""),
        attempts=batch.attempts,
        row_ids=tuple(r[0] for r in rows),
        user_ids=tuple(r[1] for r in rows),
    )


async def claim_line_batch(
    session: AsyncSession, now: datetime, *, lease_s: float, size: int, channel: str = "line"
) -> ClaimedBatch | None:
    """An existing batch due for (re)sending, else a new batch formed from queued rows of one broadcast, for
    a channel whose requests carry many people under one retry key (LINE's multicast).

    The batch table has no channel column: it serves the one multicast channel there is (LINE).
    """
    now = utc(now)
    lease_until = now + timedelta(seconds=lease_s)
    batch = await session.scalar(
        select(LineBatch)
        .where(_claimable(LineBatch, now))
        .order_by(LineBatch.next_attempt_at, LineBatch.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if batch is not None:
        won = await session.scalar(
            update(LineBatch)
            .where(LineBatch.id == batch.id, _claimable(LineBatch, now))
            .values(status="sending", lease_until=lease_until)
            .returning(LineBatch.id)
            .execution_options(synchronize_session=False)
        )
        if won is not None:
            await session.refresh(batch)
            return await _batch_details(session, batch)
    unbatched = and_(
        OutboxRow.channel == channel,
        OutboxRow.broadcast_id.is_not(None),  # direct rows go as pushes (ginbot.delivery.direct)
        OutboxRow.status == "queued",
        OutboxRow.line_batch_id.is_(None),
        OutboxRow.next_attempt_at <= now,
    )
    broadcast_id = await session.scalar(
        select(OutboxRow.broadcast_id).where(unbatched).order_by(OutboxRow.next_attempt_at).limit(1)
    )
    if broadcast_id is None:
        return None
    # A LINE multicast carries one text, so a batch never mixes broadcasts.
    ids = await _lock_ids(
        session, channel, now, size, OutboxRow.line_batch_id.is_(None), OutboxRow.broadcast_id == broadcast_id
    )
    keep = [c.id for c in await _screen(session, ids, now)]
    if not keep:
        return None
    batch = LineBatch(
        broadcast_id=broadcast_id,
        retry_key=str(uuid.uuid4()),
        status="sending",
        attempts=0,
        next_attempt_at=now,
        lease_until=lease_until,
        created_at=now,
    )
    session.add(batch)
    await session.flush()
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(keep), unbatched)
        .values(line_batch_id=batch.id, status="sending", lease_until=lease_until)
    )
    return await _batch_details(session, batch)


# --- results --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    row_id: int
    status: str  # sent | queued | failed | blocked
    error: str | None = None
    next_attempt_at: datetime | None = None
    count_attempt: bool = True
    user_id: int | None = None  # for blocked: the person to mark as blocked


async def record_results(session: AsyncSession, results: Iterable[RowResult], now: datetime) -> None:
    now = utc(now)
    results = list(results)
    sent = [r.row_id for r in results if r.status == "sent"]
    if sent:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(sent))
            .values(status="sent", sent_at=now, lease_until=None, last_error=None)
        )
    others = [r for r in results if r.status != "sent"]
    if others:
        # One statement for every failed row (executemany), not one round trip each: each row keeps its own
        # status, error and next attempt; a row without a new next attempt keeps the one it has.
        table = Base.metadata.tables[OutboxRow.__tablename__]
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                status=bindparam("new_status"),
                last_error=bindparam("error"),
                lease_until=None,
                attempts=table.c.attempts + bindparam("attempt_inc", type_=Integer),
                next_attempt_at=func.coalesce(
                    bindparam("next_at", type_=DateTime(timezone=True)), table.c.next_attempt_at
                ),
            ),
            [
                {
                    "row_id": r.row_id,
                    "new_status": r.status,
                    "error": r.error,
                    "attempt_inc": 1 if r.count_attempt else 0,
                    "next_at": utc(r.next_attempt_at) if r.next_attempt_at is not None else None,
                }
                for r in others
            ],
        )
    blocked_users = [r.user_id for r in results if r.status == "blocked" and r.user_id is not None]
    if blocked_users:
        await session.execute(update(ChatUser).where(ChatUser.id.in_(blocked_users)).values(blocked=True))


async def record_batch(
    session: AsyncSession,
    batch: ClaimedBatch,
    *,
    status: str,
    now: datetime,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    count_attempt: bool = True,
) -> None:
    """A LINE batch's outcome applies to all its rows; a retry keeps rows and retry key together."""
    now = utc(now)
    values: dict[str, object] = {"status": status, "last_error": error, "lease_until": None}
    if count_attempt:
        values["attempts"] = LineBatch.attempts + 1
    if status == "sent":
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = utc(next_attempt_at)
    await session.execute(
        update(LineBatch)
        .where(LineBatch.id == batch.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if status == "queued":
        return  # rows stay "sending" inside their batch until it settles
    row_values: dict[str, object] = {"status": status, "last_error": error, "lease_until": None}
    if status == "sent":
        row_values["sent_at"] = now
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.line_batch_id == batch.id, OutboxRow.status == "sending")
        .values(**row_values, attempts=OutboxRow.attempts + 1)
    )
