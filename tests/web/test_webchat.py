from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.models import MessageLog
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.settings import load_settings
from ginbot.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
async def server(seeded_sqlite: Database, nlu: Nlu, content: Content) -> AsyncIterator[TestServer]:
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    settings = load_settings({"GINBOT_RUN_SENDER": "false"})
    async with TestServer(create_app(settings, db=seeded_sqlite, bot=bot)) as srv:
        yield srv


async def test_chat_api_answers_in_thai(server: TestServer) -> None:
    async with TestClient(server) as client:
        resp = await client.post("/api/chat", json={"user": "visitor-123", "text": "กรมสรรพากรย้ายวันไหน"})
        assert resp.status == 200
        (reply,) = (await resp.json())["replies"]
        assert "7 กรกฎาคม 2563" in reply["text"]


@pytest.mark.parametrize(
    "body",
    [{"text": "hi"}, {"user": "x", "text": "hi"}, {"user": "visitor-123", "text": 5}, {"user": "visitor-123", "text": "ก" * 2001}],
)
async def test_chat_api_rejects_bad_input(server: TestServer, body: dict[str, object]) -> None:
    async with TestClient(server) as client:
        resp = await client.post("/api/chat", json=body)
        assert resp.status == 400
        assert "error" in await resp.json()


async def test_chat_page_is_thai(server: TestServer) -> None:
    async with TestClient(server) as client:
        resp = await client.get("/")
        assert resp.status == 200
        html = await resp.text()
        assert 'lang="th"' in html and "พิมพ์คำถาม" in html


@pytest.mark.browser
async def test_browser_question_shows_thai_date(server: TestServer, seeded_sqlite: Database) -> None:
    from playwright.async_api import async_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (scripts/ensure-test-services does)"
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            page = await browser.new_page()
            await page.goto(str(server.make_url("/")))
            # First visit: the bot greets and asks for the agency.
            await page.wait_for_selector(".msg.bot")
            await page.fill("#text", "กรมสรรพากรย้ายวันไหน")
            await page.click("form button")
            answer = page.locator(".msg.bot", has_text="7 กรกฎาคม 2563")
            await answer.wait_for(timeout=10_000)
            assert "กรมสรรพากร" in await answer.inner_text()
            # A message with markup is shown as text, not run as HTML.
            await page.fill("#text", "<b>ตัวหนา</b><script>window.pwned=1</script>")
            await page.click("form button")
            await page.locator(".msg.me", has_text="<script>").wait_for()
            assert await page.evaluate("window.pwned") is None
            assert await page.locator(".msg.me b").count() == 0
            # Quick replies are buttons that send their text.
            await page.fill("#text", "ติดตั้ง v9 ยังไง")
            await page.click("form button")
            await page.locator("#quick button", has_text="Windows").click()
            await page.locator(".msg.bot", has_text="บน Windows").wait_for(timeout=10_000)
        finally:
            await browser.close()
    async with seeded_sqlite.session() as s:
        logged = (await s.scalars(select(MessageLog.channel))).all()
    assert set(logged) == {"web"}


async def test_web_visitors_are_told_the_truth_about_reminders(server: TestServer, seeded_sqlite: Database) -> None:
    """Pushes reach LINE and Telegram only: the web chat never says reminders were switched on."""
    async with TestClient(server) as client:

        async def say(text: str) -> str:
            resp = await client.post("/api/chat", json={"user": "visitor-456", "text": text})
            return "\n".join(r["text"] for r in (await resp.json())["replies"])

        saved = await say("ผมอยู่กรมสรรพากร")
        subscribed = await say("สมัครรับการแจ้งเตือน")
    for answer in (saved, subscribed):
        assert "ให้แล้ว" not in answer and "จะเตือน" not in answer, answer
        assert "แชทบนเว็บส่งการแจ้งเตือนถึงท่านภายหลังไม่ได้" in answer
        assert "LINE หรือ Telegram" in answer
    assert "บันทึกหน่วยงานของท่านแล้วค่ะ: กรมสรรพากร" in saved
    async with seeded_sqlite.session() as session:
        from ginbot.db.models import ChatUser

        visitor = await session.scalar(select(ChatUser).where(ChatUser.platform_user_id == "visitor-456"))
    assert visitor is not None and visitor.agency_id == "rd" and not visitor.subscribed


async def test_the_chat_page_cannot_be_framed_by_another_site(server: TestServer) -> None:
    async with TestClient(server) as client:
        resp = await client.get("/")
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"


async def test_deeply_nested_json_is_a_400_not_a_crash(server: TestServer) -> None:
    async with TestClient(server) as client:
        resp = await client.post("/api/chat", data="[" * 100_000 + "]" * 100_000, headers={"Content-Type": "application/json"})
        assert resp.status == 400
