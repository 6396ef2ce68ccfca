"""A web-chat official and a staff member, each in headless Chromium: the handoff appears in the open
inbox page by itself, the staff reply appears in the chat without a reload, and closing returns the
official to the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from ginbot.core.content import Content
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.web.app import create_app
from tests.handoff.conftest import real_bot
from tests.web.admin.conftest import BROWSER_ARGS, PASSWORD, add_staff, admin_settings

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
STAFF_ANSWER = "ส่งลิงก์ดาวน์โหลดให้ทางอีเมลแล้วนะคะ"
# Long enough for a few polls of the 2–3 s timers, short enough to fail fast when nothing comes.
SEEN_WITHIN_MS = 20_000


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (scripts/ensure-test-services does)"
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def test_web_chat_official_gets_the_staff_reply_without_a_reload(
    seeded_sqlite: Database, nlu: Nlu, content: Content, chromium: Any
) -> None:
    await add_staff(seeded_sqlite)
    app = create_app(admin_settings(), db=seeded_sqlite, bot=real_bot(seeded_sqlite, nlu, content))
    async with TestServer(app) as server:
        staff = await (await chromium.new_context()).new_page()
        await staff.goto(str(server.make_url("/admin/inbox")))
        await staff.fill("input[name=name]", "somchai")
        await staff.fill("input[name=password]", PASSWORD)
        await staff.click("form button[type=submit]")
        await staff.get_by_text("ไม่มีผู้ใช้รอเจ้าหน้าที่").wait_for()
        await staff.evaluate("window.loadedOnce = true")

        official = await (await chromium.new_context()).new_page()
        await official.goto(str(server.make_url("/")))
        await official.evaluate("window.loadedOnce = true")
        await official.fill("#text", "ขอคุยกับเจ้าหน้าที่ หาไฟล์ติดตั้งไม่เจอ")
        await official.press("#text", "Enter")
        # Within or outside office hours (the test runs at any time of day), the "end" button is offered.
        await official.locator("#quick button", has_text="จบการสนทนา").wait_for()

        # The open inbox page shows the new conversation by itself.
        row = staff.locator("#inbox-rows tr", has_text="หาไฟล์ติดตั้งไม่เจอ")
        await row.wait_for(timeout=SEEN_WITHIN_MS)
        assert await staff.evaluate("window.loadedOnce") is True
        assert "เว็บแชท" in await row.inner_text()
        await row.get_by_role("link").click()
        await staff.fill("#reply-text", STAFF_ANSWER)
        await staff.get_by_role("button", name="ส่งคำตอบ").click()
        await staff.get_by_text("ส่งคำตอบแล้ว").wait_for()

        # The chat shows it without a reload, under the staff label.
        await official.get_by_text(f"เจ้าหน้าที่ สพร.: {STAFF_ANSWER}").wait_for(timeout=SEEN_WITHIN_MS)
        assert await official.evaluate("window.loadedOnce") is True

        # The official writes again: it reaches the staff's open conversation page; the bot stays quiet.
        bot_lines_before = await official.locator(".msg.bot").count()
        await official.fill("#text", "ได้รับแล้วค่ะ ขอบคุณค่ะ")
        await official.press("#text", "Enter")
        await staff.locator("#transcript li", has_text="ได้รับแล้วค่ะ ขอบคุณค่ะ").wait_for(timeout=SEEN_WITHIN_MS)
        assert await official.locator(".msg.bot").count() == bot_lines_before

        await staff.get_by_role("button", name="ปิดการสนทนา").click()
        await official.get_by_text("เจ้าหน้าที่ปิดการสนทนาแล้ว", exact=False).wait_for(timeout=SEEN_WITHIN_MS)
        await official.fill("#text", "กรมสรรพากรย้ายวันไหน")
        await official.press("#text", "Enter")
        await official.locator(".msg.bot", has_text="7 กรกฎาคม 2563").wait_for()
