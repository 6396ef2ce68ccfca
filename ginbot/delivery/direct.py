"""Direct messages: one text to one person through the outbox (a staff reply in a handoff).

A direct row is an outbox row without a broadcast: its text and its ``X-Line-Retry-Key`` are on the row,
written in the same transaction as the staff reply that caused it. So a crash between the reply and its
delivery loses nothing (the row waits, and a lease that ran out makes it claimable again) and a LINE push
repeated after a crash carries the same key, which LINE answers with 409: sent once.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import ChatUser, OutboxRow
from ginbot.delivery.store import utc

# Channels a direct row can be sent on; the web chat reads the transcript instead.
PUSH_CHANNELS = ("line", "telegram")


@dataclass(frozen=True)
class DirectClaim:
    id: int
    user_id: int
    channel: str
    to: str  # LINE userId or Telegram chat id
    text: str
    retry_key: str
    attempts: int


async def enqueue(session: AsyncSession, *, user_id: int, channel: str, text: str, now: datetime) -> OutboxRow | None:
    """Queue ``text`` for one person; None on a channel that has no push (web, console)."""
    if channel not in PUSH_CHANNELS:
        return None
    row = OutboxRow(
        broadcast_id=None,
        user_id=user_id,
        channel=channel,
        text=text,
        retry_key=str(uuid.uuid4()),
        status="queued",
        attempts=0,
        next_attempt_at=utc(now),
        created_at=utc(now),
    )
    session.add(row)
    await session.flush()
    return row


async def claim(
    session: AsyncSession, now: datetime, *, channels: Collection[str], lease_s: float, limit: int
) -> list[DirectClaim]:
    """Due direct rows of ``channels`` (and ones whose sender died mid-send), leased to this sender."""
    now = utc(now)
    if not channels:
        return []
    due = or_(
        and_(OutboxRow.status == "queued", OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == "sending", OutboxRow.lease_until < now),
    )
    mine = and_(OutboxRow.broadcast_id.is_(None), OutboxRow.channel.in_(list(channels)), due)
    ids = list(
        (
            await session.scalars(
                select(OutboxRow.id).where(mine).order_by(OutboxRow.id).limit(limit).with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not ids:
        return []
    won = set(
        (
            await session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), mine)
                .values(
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
    rows = await session.execute(
        select(
            OutboxRow.id,
            OutboxRow.user_id,
            OutboxRow.channel,
            ChatUser.platform_user_id,
            OutboxRow.text,
            OutboxRow.retry_key,
            OutboxRow.attempts,
        )
        .join(ChatUser, ChatUser.id == OutboxRow.user_id)
        .where(OutboxRow.id.in_(won))
        .order_by(OutboxRow.id)
    )
    return [
        DirectClaim(row_id, user_id, channel, to, text or "", retry_key or "", attempts)
        for row_id, user_id, channel, to, text, retry_key, attempts in rows.all()
    ]
