"""The planner + sender as `ginbot serve` runs them: started with the app, stopped at cleanup."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.runner import DeliveryRunner
from ginbot.settings import load_settings
from ginbot.testing.line_stub import LineStub
from ginbot.web.app import create_app
from tests.delivery.conftest import (
    LINE_TOKEN,
    Person,
    Platforms,
    add_people,
    line_id,
    seed_campaign,
    telegram_id,
)


class SilentBot:
    async def handle(self, message: IncomingMessage) -> list[Reply]:
        return []


async def until(condition: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_serve_sends_queued_broadcasts_in_the_background(sqlite_db: Database) -> None:
    await seed_campaign(sqlite_db)
    await add_people(sqlite_db, [Person("line", line_id(i), "dga") for i in range(3)])
    await announce(sqlite_db, to="all", text="ประกาศจากเจ้าหน้าที่", created_by="test")
    line = await LineStub(LINE_TOKEN).start()
    settings = load_settings(
        {
            "GINBOT_LINE_CHANNEL_SECRET": "secret",
            "GINBOT_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "GINBOT_LINE_API_BASE": line.url,
            "GINBOT_PLANNER_INTERVAL_S": "0.1",
            "GINBOT_SENDER_IDLE_POLL_S": "0.05",
        }
    )
    try:
        async with TestClient(TestServer(create_app(settings, db=sqlite_db, bot=SilentBot()))) as client:
            assert (await client.get("/healthz")).status == 200
            await until(lambda: len(line.delivered) == 3)
            running = [t for t in asyncio.all_tasks() if t.get_name().startswith("ginbot-")]
            assert running, "the planner and sender run as tasks of the app"
        # Cleanup stopped the runner: its tasks are finished, so nothing can send any more …
        assert all(t.done() for t in running)
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("ginbot-")]
        assert all(line.texts_to(line_id(i)) == ["ประกาศจากเจ้าหน้าที่"] for i in range(3))
    finally:
        await line.close()


async def test_reminder_goes_out_at_nine_on_its_day(campaign: Database, platforms: Platforms) -> None:
    await add_people(campaign, [Person("telegram", telegram_id(1), "rd"), Person("line", line_id(2), "rd")])
    settings = load_settings({"GINBOT_PLANNER_INTERVAL_S": "0.1", "GINBOT_SENDER_IDLE_POLL_S": "0.05"})
    moment = datetime(2020, 7, 3, 2, 1, tzinfo=UTC)  # 09:01 Bangkok, 3 days before cohort 2's last v8 day
    runner = DeliveryRunner(
        settings,
        campaign,
        line=platforms.line_transport,
        telegram=platforms.telegram_transport,
        now=lambda: moment,
    )
    await runner.start()
    try:
        await until(lambda: bool(platforms.telegram.delivered) and bool(platforms.line.delivered))
    finally:
        await runner.stop()
    (text,) = platforms.telegram.texts_to(telegram_id(1))
    assert text.startswith(
        "เรียน ผู้ใช้งาน GIN Conference ของกรมสรรพากร: ระบบ v8 จะใช้งานได้ถึงวันจันทร์ที่ 6 กรกฎาคม 2563 (อีก 3 วัน)"
    )
    assert platforms.line.texts_to(line_id(2)) == [text]


async def test_a_first_start_long_after_the_campaign_says_so_once_calmly(
    campaign: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Every reminder of 2020 is past on today's clock: recorded as skipped, told once at INFO, no alarm."""
    runner = DeliveryRunner(load_settings({}), campaign, now=lambda: datetime(2026, 11, 30, 3, tzinfo=UTC))
    with caplog.at_level(logging.INFO, logger="ginbot.delivery.runner"):
        await runner.plan_once()
        await runner.plan_once()  # a later pass has nothing new to say
    lines = [r for r in caplog.records if r.name == "ginbot.delivery.runner" and "planner:" in r.getMessage()]
    assert [r.levelno for r in lines] == [logging.INFO]
    assert "recorded as skipped, not sent" in lines[0].getMessage()
    assert "GINBOT_TODAY" in lines[0].getMessage()


async def test_reminders_missed_during_the_campaign_are_a_warning(
    campaign: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Down on 30 June 2020 and back on 2 July: cohort 1's last-day reminders were missed. That is news."""
    runner = DeliveryRunner(load_settings({}), campaign, now=lambda: datetime(2020, 7, 2, 3, tzinfo=UTC))
    with caplog.at_level(logging.INFO, logger="ginbot.delivery.runner"):
        await runner.plan_once()
    (line,) = [r for r in caplog.records if "reminders skipped, too late to send" in r.getMessage()]
    assert line.levelno == logging.WARNING
