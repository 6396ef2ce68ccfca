"""Dashboard figures computed in the database, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ginbot.db import queries
from ginbot.db.models import MessageLog
from ginbot.db.session import Database
from ginbot.delivery.policy import parse_policy
from ginbot.web.admin import stats
from ginbot.web.admin.views import th_datetime
from tests.web.admin.conftest import log_messages

BANGKOK = ZoneInfo("Asia/Bangkok")


async def test_messages_are_counted_by_bangkok_day(db: Database) -> None:
    # 23:30 and 00:30 in Bangkok are 16:30 and 17:30 UTC of the same UTC day, but two Bangkok days.
    await log_messages(db, [("ก", "greet", 0.9, True)], at=datetime(2020, 7, 1, 16, 30, tzinfo=UTC))
    await log_messages(db, [("ข", "fallback", 0.2, False), ("ค", "greet", 0.9, True)], at=datetime(2020, 7, 1, 17, 30, tzinfo=UTC))
    await log_messages(db, [("ง", "greet", 0.9, True)], at=datetime(2020, 6, 19, 12, 0, tzinfo=UTC))  # too old
    async with db.session() as session:
        days = await stats.messages_per_day(session, date(2020, 7, 3), 14, BANGKOK)
    assert len(days) == 14 and days[0].day == date(2020, 6, 20) and days[-1].day == date(2020, 7, 3)
    by_day = {d.day: (d.total, d.unanswered) for d in days if d.total}
    assert by_day == {date(2020, 7, 1): (1, 0), date(2020, 7, 2): (2, 1)}
    assert stats.fallback_rate(days) == (1, 3)


def test_upcoming_reminders_are_the_next_moments_per_cohort() -> None:
    policy = parse_policy({
        "send_time": "09:00",
        "reminders": [
            {"id": "7d", "anchor": "last_v8_date", "days_before": 7, "text": "อีก {days_left} วัน"},
            {"id": "day", "anchor": "migration_date", "days_before": 0, "text": "วันนี้"},
        ],
    })  # fmt: skip
    cohorts = [(1, date(2020, 6, 30), date(2020, 7, 1)), (2, date(2020, 7, 6), date(2020, 7, 7))]
    now = datetime(2020, 7, 1, 12, 0, tzinfo=BANGKOK)  # after cohort 1's move-day reminder at 09:00
    found = stats.upcoming_reminders(policy, cohorts, {1: 14, 2: 82}, now)
    assert [(u.rule_id, u.cohort, u.due.date(), u.agencies) for u in found] == [("day", 2, date(2020, 7, 7), 82)]
    earlier = stats.upcoming_reminders(policy, cohorts, {1: 14, 2: 82}, datetime(2020, 6, 23, 8, 0, tzinfo=BANGKOK))
    assert [(u.rule_id, u.cohort) for u in earlier] == [("7d", 1), ("7d", 2), ("day", 1), ("day", 2)]


async def test_a_turn_logged_in_bangkok_time_lands_on_its_bangkok_day(db: Database) -> None:
    """The bot logs Clock.now() (Bangkok); SQLite drops offsets, so the log must store it as UTC."""
    late = datetime(2020, 7, 2, 23, 30, tzinfo=BANGKOK)
    async with db.session() as session:
        await queries.log_messages(session, [queries.LogEntry(
            user_id=None, channel="line", text="ดึกแล้ว", intent="fallback", confidence=0.1, entities={},
            answered=False, at=late,
        )])  # fmt: skip
    async with db.session() as session:
        days = await stats.messages_per_day(session, date(2020, 7, 3), 2, BANGKOK)
        stored = await session.scalar(select(MessageLog.created_at))
    assert [(d.day, d.total) for d in days] == [(date(2020, 7, 2), 1), (date(2020, 7, 3), 0)]
    assert stored is not None and th_datetime(stored) == "2 ก.ค. 2563 23:30"


async def _rate(db: Database, ratings: dict[int, int]) -> None:
    async with db.session() as session:
        for log_id, rating in ratings.items():
            row = await session.get(MessageLog, log_id)
            assert row is not None
            row.rating = rating


async def test_ratings_per_intent_put_the_most_thumbs_down_first(db: Database) -> None:
    ids = await log_messages(db, [
        ("ถอน v8", "uninstall_v8", 0.9, True), ("ถอน v8 ยังไง", "uninstall_v8", 0.95, True),
        ("โหลด v9", "download", 0.9, True), ("โหลดที่ไหน", "download", 0.9, True), ("ลิงก์", "download", 0.9, True),
        ("ทำไมต้องย้าย", "why_migrate", 0.9, True),
    ])  # fmt: skip
    await _rate(db, {ids[0]: 1, ids[1]: -1, ids[2]: -1, ids[3]: -1, ids[4]: 1})
    async with db.session() as session:
        by_intent, by_topic = await stats.ratings(session)
        queued = (await session.scalars(select(MessageLog.id).where(stats.needs_review()))).all()
    assert [(r.key, r.up, r.down) for r in by_intent] == [("download", 1, 2), ("uninstall_v8", 1, 1)]
    assert by_topic == [] or all(r.total for r in by_topic)  # topics appear once the turn log records them
    assert sorted(queued) == sorted([ids[1], ids[2], ids[3]])  # every 👎, however confident
