"""The broadcast service every door uses: one broadcast and one audit record per request however often it
is confirmed, a wake-up for the planners exactly when something is due now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ginbot.db.models import AuditLog, Broadcast
from ginbot.db.session import Database
from ginbot.delivery.service import Author, BroadcastService, Request
from ginbot.delivery.targets import Target, TargetError
from ginbot.delivery.wakeups import LocalWakeups, Topic
from tests.delivery.conftest import Person, add_people, telegram_id

NOW = datetime(2020, 7, 3, 2, 0, tzinfo=UTC)  # 09:00 Bangkok on a campaign day
SOMCHAI = Author("admin", "somchai", "10.0.0.7")


class RecordingWakeups(LocalWakeups):
    def __init__(self) -> None:
        super().__init__()
        self.notified: list[Topic] = []

    async def notify(self, topic: Topic) -> None:
        self.notified.append(topic)


async def counts(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        broadcasts = await session.scalar(select(func.count()).select_from(Broadcast))
        audited = await session.scalar(select(func.count()).select_from(AuditLog))
    return int(broadcasts or 0), int(audited or 0)


@pytest.fixture
async def service(campaign: Database) -> tuple[BroadcastService, RecordingWakeups]:
    await add_people(campaign, [Person("telegram", telegram_id(i), "rd") for i in range(2)])
    wakeups = RecordingWakeups()
    return BroadcastService(campaign, now=lambda: NOW, wakeups=wakeups), wakeups


async def test_one_request_confirmed_twice_is_one_broadcast_one_record_one_report(
    service: tuple[BroadcastService, RecordingWakeups],
) -> None:
    broadcasts, wakeups = service
    wanted = Request(Target("all"), "ประกาศ", SOMCHAI, dedupe_key="admin:nonce-1")
    first = await broadcasts.create(wanted)
    again = await broadcasts.create(wanted)
    assert first == again and first.recipients == 2 and first.by_channel == {"telegram": 2} and first.at_once
    assert await counts(broadcasts.db) == (1, 1)
    assert wakeups.notified == [Topic.PLANNER]
    async with broadcasts.db.session() as session:
        entry = await session.scalar(select(AuditLog))
    assert entry is not None and (entry.staff_name, entry.ip) == ("somchai", "10.0.0.7")


async def test_a_later_broadcast_is_scheduled_and_a_past_one_is_refused(
    service: tuple[BroadcastService, RecordingWakeups],
) -> None:
    broadcasts, wakeups = service
    later = await broadcasts.create(Request(Target("all"), "พรุ่งนี้", SOMCHAI, send_at=NOW + timedelta(days=1)))
    assert later.broadcast_id is not None and not later.at_once
    assert wakeups.notified == [Topic.PLANNER], "the planners learn when the next one is due"
    with pytest.raises(TargetError, match="has passed"):
        await broadcasts.create(Request(Target("all"), "เมื่อวาน", SOMCHAI, send_at=NOW - timedelta(hours=1)))
    with pytest.raises(TargetError, match="no cohort 9"):
        await broadcasts.preview(Request(Target("cohort", "9"), "x", SOMCHAI))
    assert await counts(broadcasts.db) == (1, 1)
