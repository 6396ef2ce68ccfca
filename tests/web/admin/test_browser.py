"""The admin in real headless Chromium: sign-in, a broadcast reaching the LINE and Telegram stubs through the
app's own planner and sender, teaching the bot an unanswered question, and chat text shown as text."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.models import Agency
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.fixtures import (  # noqa: F401  (pytest fixtures)
    LINE_ACCESS_TOKEN,
    LINE_CHANNEL_SECRET,
    TELEGRAM_TOKEN,
    line_stub,
    telegram_stub,
)
from ginbot.testing.line_stub import LineStub
from ginbot.testing.telegram_stub import TelegramStub
from ginbot.web.app import create_app
from tests.conftest import ROOT
from tests.web.admin.conftest import (
    BROWSER_ARGS,
    PASSWORD,
    RecordingBot,
    add_people,
    add_staff,
    admin_settings,
)

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (scripts/ensure-test-services does)"
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in_page(browser: Any, server: TestServer, start: str = "/admin") -> Any:
    page = await browser.new_page()
    await page.goto(str(server.make_url(start)))
    await page.fill("input[name=name]", "somchai")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("nav[aria-label='เมนูหลัก']")
    return page


async def test_sign_in_refuses_a_wrong_password_and_guards_pages(seeded_sqlite: Database, browser: Any) -> None:
    await add_staff(seeded_sqlite)
    app = create_app(admin_settings(), db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestServer(app) as server:
        page = await browser.new_page()
        await page.goto(str(server.make_url("/admin/broadcasts")))
        assert "/admin/signin?next=/admin/broadcasts" in page.url
        await page.fill("input[name=name]", "somchai")
        await page.fill("input[name=password]", "not-my-password")
        await page.click("form button[type=submit]")
        await page.get_by_role("alert").filter(has_text="ชื่อบัญชีหรือรหัสผ่านไม่ถูกต้อง").wait_for()
        assert "/admin/signin" in page.url
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form button[type=submit]")
        await page.get_by_role("heading", name="ประกาศและการแจ้งเตือน").wait_for()
        assert page.url.endswith("/admin/broadcasts")
        await page.get_by_role("link", name="ภาพรวม").click()
        await page.get_by_role("heading", name="ภาพรวมการย้าย GIN Conference v8 → v9").wait_for()
        await page.get_by_role("button", name="ออกจากระบบ").click()
        await page.get_by_role("heading", name="เข้าสู่ระบบเจ้าหน้าที่").wait_for()
        await page.goto(str(server.make_url("/admin")))
        assert "/admin/signin" in page.url


async def test_a_cohort_1_broadcast_reaches_line_and_telegram(
    seeded_sqlite: Database, browser: Any, line_stub: LineStub, telegram_stub: TelegramStub  # noqa: F811
) -> None:
    async with seeded_sqlite.session() as s:
        c1, c2 = [await s.scalar(select(Agency.id).where(Agency.cohort == n).order_by(Agency.id)) for n in (1, 2)]
    line_user, line_other, telegram_chat = "U" + "1" * 32, "U" + "2" * 32, "555000111"
    await add_people(seeded_sqlite, [
        {"channel": "line", "platform_user_id": line_user, "agency_id": c1},
        {"channel": "telegram", "platform_user_id": telegram_chat, "agency_id": c1},
        {"channel": "line", "platform_user_id": line_other, "agency_id": c2},  # cohort 2: not addressed
        {"channel": "line", "platform_user_id": "U" + "3" * 32, "agency_id": c1, "subscribed": False},
    ])  # fmt: skip
    await add_staff(seeded_sqlite)
    settings = admin_settings(
        GINBOT_RUN_SENDER="true",
        GINBOT_LINE_CHANNEL_SECRET=LINE_CHANNEL_SECRET,
        GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_ACCESS_TOKEN,
        GINBOT_LINE_API_BASE=line_stub.url,
        GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        GINBOT_TELEGRAM_API_BASE=telegram_stub.api_base,
        GINBOT_PLANNER_INTERVAL_S="0.2",
        GINBOT_SENDER_IDLE_POLL_S="0.1",
        GINBOT_REMINDERS_FILE=str(ROOT / "no-reminders-in-this-test.yml"),
        GINBOT_CHECKINS_FILE=str(ROOT / "no-check-ins-in-this-test.yml"),  # 3 July: cohort 1's are due
    )
    text = "แจ้งกลุ่ม 1: ทดสอบระบบ v9 <คืนนี้> 20:00 น.\nขอบคุณครับ"
    async with TestServer(create_app(settings, db=seeded_sqlite, bot=RecordingBot())) as server:  # type: ignore[arg-type]
        page = await signed_in_page(browser, server, "/admin/broadcasts/new")
        await page.check("input[name=target_kind][value=cohort]")
        await page.select_option("select[name=cohort]", "1")
        count = page.locator("#recipient-count")
        await count.filter(has_text="ผู้รับ 2 คน (LINE 1, Telegram 1)").wait_for()
        await page.fill("textarea[name=text]", text)
        await page.click("text=ดูตัวอย่างก่อนส่ง")
        await page.locator("#preview-count", has_text="2 คน").wait_for()
        assert await page.inner_text("#preview-target") == "หน่วยงานกลุ่มที่ 1"
        assert await page.inner_text("#preview-text") == text  # as typed: markup as text, line break kept
        await page.click("#confirm")
        await page.locator(".notice", has_text="บันทึกประกาศหมายเลข").wait_for()
        # The page follows the sender on its own until everything is delivered.
        await page.locator("[data-field=sent]", has_text="2").wait_for(timeout=30_000)
        await page.locator("[data-field=status_th]", has_text="ส่งครบแล้ว").wait_for(timeout=30_000)
    assert line_stub.texts_to(line_user) == [text]
    assert telegram_stub.texts_to(telegram_chat) == [text]
    assert line_stub.texts_to(line_other) == []
    assert sum(line_stub.delivered.values()) == 1 and sum(telegram_stub.delivered.values()) == 1


@pytest.fixture(scope="module")
def own_nlu() -> Nlu:
    """A classifier of this module's own: teaching retrains it, which must not leak into other tests."""
    return Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")


@pytest.fixture
async def real_bot_server(seeded_sqlite: Database, own_nlu: Nlu, content: Content) -> AsyncIterator[TestServer]:
    await add_staff(seeded_sqlite)
    bot = Bot(seeded_sqlite, NluUnderstanding(own_nlu), content, Clock(date(2020, 7, 3)))
    async with TestServer(create_app(admin_settings(), db=seeded_sqlite, bot=bot)) as server:
        yield server


async def chat(server: TestServer, text: str, user: str = "visitor-0001") -> list[str]:
    async with aiohttp.ClientSession() as session:
        resp = await session.post(server.make_url("/api/chat"), json={"user": user, "text": text})
        assert resp.status == 200
        return [r["text"] for r in (await resp.json())["replies"]]


def ginbot_parse(db_path: Path, text: str) -> dict[str, Any]:
    env = {**os.environ, "GINBOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}", "GINBOT_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "ginbot", "parse", text], capture_output=True, text=True, env=env, timeout=110, check=True
    )
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


async def test_teaching_an_unanswered_question_reaches_the_bot_and_ginbot_parse(
    real_bot_server: TestServer, browser: Any, own_nlu: Nlu, tmp_path: Path
) -> None:
    question = "จองห้องประชุมล่วงหน้ายังไง"
    assert own_nlu.parse(question).intent == "fallback"
    await chat(real_bot_server, question)
    page = await signed_in_page(browser, real_bot_server, "/admin/unanswered")
    group = page.locator("article.group", has=page.locator(".said", has_text=question))
    await group.locator("select[name=intent]").select_option("contact_staff")
    await group.get_by_role("button", name="สอนบอต").click()
    await page.locator(".notice", has_text="บอตใช้ความรู้ใหม่นี้แล้ว").wait_for()
    assert await page.locator("article.group .said", has_text=question).count() == 0
    # The running bot knows at once …
    assert own_nlu.parse(question).intent == "contact_staff"
    # … and so does a fresh process reading the same database, as after a restart.
    parsed = await asyncio.to_thread(ginbot_parse, tmp_path / "ginbot.db", question)
    assert parsed["intent"] == "contact_staff", parsed


async def test_a_chat_message_with_markup_is_shown_as_text(real_bot_server: TestServer, browser: Any) -> None:
    evil = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"
    await chat(real_bot_server, evil, user="visitor-0002")
    page = await signed_in_page(browser, real_bot_server, "/admin/unanswered")
    shown = page.locator(".said", has_text="<script>window.pwned=1</script>")
    await shown.first.wait_for()
    assert evil in await shown.first.inner_text()
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("main script, main img").count() == 0
