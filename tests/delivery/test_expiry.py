"""A message still unsent when its broadcast expires is skipped at send time, on both channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ginbot.db.models import ChatUser, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery import outbox
from ginbot.delivery.broadcasts import NewBroadcast, create_broadcast, fan_out
from ginbot.delivery.targets import Target
from tests.delivery.conftest import Person, add_people, line_id, telegram_id

# "3 days left" at 09:00 is wrong by the next day: the planner gives reminders an expiry.
DUE = datetime(2020, 7, 3, 2, 0, tzinfo=UTC)
EXPIRES = DUE + timedelta(hours=6)


async def _reminder(db: Database) -> None:
    await add_people(db, [Person("telegram", telegram_id(1), "rd"), Person("line", line_id(2), "rd")])
    async with db.session() as session:
        b = await create_broadcast(
            session,
            NewBroadcast(
                text="อีก 3 วัน v8 จะหยุดใช้งาน", target=Target("all"), channel=None, send_at=DUE,
                created_by="planner", kind="reminder", expires_at=EXPIRES,
            ),
        )  # fmt: skip
    await fan_out(db, b.id, DUE)


async def _statuses(db: Database) -> dict[str, str]:
    async with db.session() as session:
        rows = await session.execute(
            select(ChatUser.channel, OutboxRow.status).join(ChatUser, ChatUser.id == OutboxRow.user_id)
        )
        return dict(rows.all())


async def test_rows_claimed_after_expiry_are_skipped_not_sent(campaign: Database) -> None:
    await _reminder(campaign)
    late = EXPIRES + timedelta(seconds=1)  # e.g. a worker that was down all day
    async with campaign.session() as session:
        assert await outbox.claim_telegram(session, late, lease_s=60, limit=10) == []
        assert await outbox.claim_line_batch(session, late, lease_s=60, size=500) is None
    assert await _statuses(campaign) == {"telegram": "skipped", "line": "skipped"}


async def test_rows_claimed_before_expiry_are_sent(campaign: Database) -> None:
    await _reminder(campaign)
    in_time = EXPIRES - timedelta(seconds=1)
    async with campaign.session() as session:
        (claimed,) = await outbox.claim_telegram(session, in_time, lease_s=60, limit=10)
        batch = await outbox.claim_line_batch(session, in_time, lease_s=60, size=500)
    assert claimed.chat_id == telegram_id(1)
    assert batch is not None and batch.user_ids == (line_id(2),)
    assert await _statuses(campaign) == {"telegram": "sending", "line": "sending"}
