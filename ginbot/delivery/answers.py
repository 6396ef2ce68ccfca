"""Answers that could not be sent at once go to the outbox, to be sent later with backoff and a lease.

When LINE's reply and its pushes fail (LINE down, a network outage), or Telegram keeps failing, the
answer must still reach the person — later, and once. Each message of the answer (for LINE each reply,
with its quick replies and its card, which the sender renders as the live answer would be) becomes a one-person
outbox row (under a ``Broadcast`` of kind ``answer``, which the admin's broadcast lists leave out), so the
existing sender delivers it with its retries, rate limits and leases. For LINE the row sits in a
``LineBatch`` whose ``X-Line-Retry-Key`` is derived from the webhook event: the very key the failed pushes
used, so if LINE had in fact accepted one of them, the sender's attempt gets 409 and nothing is doubled.
The broadcast's ``dedupe_key`` is derived from the event too, so queueing the same answer twice (an inbox
retry after a crash) adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select

from ginbot.core.messages import MAX_BUTTONS, Reply
from ginbot.db import queries
from ginbot.db.models import Broadcast, LineBatch, OutboxRow, utcnow
from ginbot.db.session import Database
from ginbot.delivery.cards import card_to_stored
from ginbot.delivery.store import insert_ignore

ANSWER_KIND = "answer"
# The sender's first try comes after this, so a passing outage has a moment to clear.
FIRST_TRY_DELAY_S = 5.0
# An answer still unsent after this is pointless: the person has asked again or given up.
ANSWER_EXPIRY = timedelta(hours=24)
_RETRY_KEYS = uuid.UUID("6f0f8f4e-2f43-4d3e-9a51-7d1c3c9d1e21")


def retry_key(event_key: str, part: str | int) -> str:
    """The ``X-Line-Retry-Key`` of one request answering one event: the same on every attempt and process."""
    return str(uuid.uuid5(_RETRY_KEYS, f"{event_key}/{part}"))


@dataclass(frozen=True)
class QueuedMessage:
    text: str
    key: str  # unique per message of the answer; for LINE also its X-Line-Retry-Key
    # The structured reply when the channel renders one (LINE: a card, buttons); ``text`` is its plain form.
    reply: Reply | None = None


class AnswerQueue(Protocol):
    async def queue(self, channel: str, to: str, messages: Sequence[QueuedMessage]) -> None:
        """Store the messages for later delivery to ``to`` (a platform user id), in order."""
        ...


class MemoryAnswerQueue:
    """Records what would have been queued (tests of the channels that do not need the sender)."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, str, QueuedMessage]] = []

    async def queue(self, channel: str, to: str, messages: Sequence[QueuedMessage]) -> None:
        self.queued += [(channel, to, m) for m in messages]


class OutboxAnswers:
    """The database-backed queue: outbox rows the sender (in serve or ``ginbot worker``) delivers."""

    def __init__(self, db: Database, first_try_delay_s: float = FIRST_TRY_DELAY_S) -> None:
        self.db = db
        self.first_try_delay_s = first_try_delay_s

    async def queue(self, channel: str, to: str, messages: Sequence[QueuedMessage]) -> None:
        now = utcnow()
        first_try = now + timedelta(seconds=self.first_try_delay_s)
        async with self.db.session() as session:
            user = await queries.get_or_create_user(session, channel, to)
            for i, message in enumerate(messages):
                dedupe = f"answer:{channel}:{message.key}"
                inserted = await session.scalar(
                    insert_ignore(session, Broadcast)
                    .values(
                        kind=ANSWER_KIND,
                        dedupe_key=dedupe[:200],
                        text=_text(message),
                        quick_replies=_quick_replies(message.reply),
                        card=_card(message.reply),
                        target_kind="person",
                        target_value=None,
                        channel=channel,
                        send_at=now,
                        expires_at=now + ANSWER_EXPIRY,
                        created_by="inbox",
                        created_at=now,
                        status="fanned_out",
                        fanout_cursor=user.id,
                        recipient_count=1,
                    )
                    .returning(Broadcast.id)
                )
                if inserted is None:
                    continue  # queued before (a retry of the same event)
                # Later messages of one answer come a moment later, so the sender keeps their order.
                due = first_try + timedelta(milliseconds=10 * i)
                row = OutboxRow(
                    broadcast_id=inserted,
                    user_id=user.id,
                    channel=channel,
                    status="queued",
                    attempts=0,
                    next_attempt_at=due,
                    created_at=now,
                )
                session.add(row)
                if channel == "line":
                    batch = LineBatch(
                        broadcast_id=inserted,
                        retry_key=message.key,
                        status="queued",
                        attempts=0,
                        next_attempt_at=due,
                        created_at=now,
                    )
                    session.add(batch)
                    await session.flush()
                    # Inside its batch a row waits as "sending" (as after a failed multicast attempt).
                    row.line_batch_id = batch.id
                    row.status = "sending"
                await session.flush()


def _text(message: QueuedMessage) -> str:
    # With a card, the card carries the buttons and is shown with the text as its body (as a broadcast's
    # card is); without one, a link or phone button survives as words in the plain form.
    reply = message.reply
    return reply.text if reply is not None and reply.card is not None else message.text


def _card(reply: Reply | None) -> dict[str, Any] | None:
    if reply is None or reply.card is None:
        return None
    buttons = tuple(dict.fromkeys(reply.card.buttons + reply.buttons))[:MAX_BUTTONS]
    return card_to_stored(replace(reply.card, buttons=buttons))


def _quick_replies(reply: Reply | None) -> list[dict[str, str]] | None:
    if reply is None or not reply.quick_replies:
        return None
    return [{"label": q.label, "text": q.text} for q in reply.quick_replies]


async def queued_answers(db: Database, channel: str) -> list[tuple[str, str]]:
    """(text, status) of every queued answer of ``channel``, oldest first (tests and the CLI read it)."""
    async with db.session() as session:
        rows = await session.execute(
            select(Broadcast.text, OutboxRow.status)
            .join(OutboxRow, OutboxRow.broadcast_id == Broadcast.id)
            .where(Broadcast.kind == ANSWER_KIND, Broadcast.channel == channel)
            .order_by(OutboxRow.id)
        )
        return [(text, status) for text, status in rows]
