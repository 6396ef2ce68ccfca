"""The web chat as a person sees it on a phone: headless Chromium at 390×844 (an iPhone 12–15 screen)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.settings import load_settings
from ginbot.web.app import create_app
from tests.web.admin.conftest import BROWSER_ARGS

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
# After the greeting (which asks for the agency) an agency's name is taken as the answer to it; a cohort's
# date question is answered with the dates card.
DATE_QUESTION = "กลุ่ม 2 ย้ายวันไหน"
MIN_TAP_PX = 44

# Whether an element is wholly inside the message area and above whatever sits under it (the quick replies,
# or the input when there are none): what "the newest answer is visible" means on a phone.
IN_VIEW = """el => {
  const box = el.getBoundingClientRect();
  const log = document.getElementById("log").getBoundingClientRect();
  const quick = document.getElementById("quick");
  const below = (quick.hidden ? document.getElementById("ask") : quick).getBoundingClientRect().top;
  return box.top >= log.top - 1 && box.bottom <= Math.min(log.bottom, below) + 1;
}"""


@pytest.fixture
async def server(seeded_sqlite: Database, nlu: Nlu, content: Content) -> AsyncIterator[TestServer]:
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    settings = load_settings({"GINBOT_RUN_SENDER": "false"})
    async with TestServer(create_app(settings, db=seeded_sqlite, bot=bot)) as srv:
        yield srv


@pytest.fixture
async def phone(server: TestServer) -> AsyncIterator[Any]:
    """A fresh phone-sized page on the chat, after the greeting."""
    from playwright.async_api import async_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (scripts/ensure-test-services does)"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = await context.new_page()
            await page.goto(str(server.make_url("/")))
            await page.locator(".msg.bot").first.wait_for()
            yield page
        finally:
            await browser.close()


async def ask(page: Any, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def test_a_date_question_shows_a_card_with_buddhist_era_dates_and_its_buttons(phone: Any) -> None:
    await ask(phone, DATE_QUESTION)
    card = phone.locator("article.card")
    await card.wait_for()
    assert await card.locator("h2").inner_text() == "วันย้ายไป GIN Conference v9"
    fields = dict(zip(await card.locator("dt").all_inner_texts(), await card.locator("dd").all_inner_texts(), strict=True))
    assert fields["ย้ายไป v9"] == "วันอังคารที่ 7 กรกฎาคม 2563"
    assert fields["ใช้ v8 ได้ถึง"] == "วันจันทร์ที่ 6 กรกฎาคม 2563"
    # The newest answer sits wholly in view, above the quick replies.
    assert await phone.locator("#quick button", has_text="ตรงคำถาม").first.is_visible()
    assert await phone.locator(".msg.bot").last.evaluate(IN_VIEW)
    assert await card.evaluate(IN_VIEW)
    # Every tappable thing is a finger's size, in the page's font, with a label of at most 20 characters.
    body_font = await phone.evaluate("getComputedStyle(document.body).fontFamily")
    for target in await phone.locator("#quick button, .card .action, form button, #restart").all():
        box = await target.bounding_box()
        assert box is not None and box["height"] >= MIN_TAP_PX, await target.inner_text()
        assert await target.evaluate("el => getComputedStyle(el).fontFamily") == body_font
        assert len(await target.inner_text()) <= 20
    # A card button sends its question as if typed.
    await card.get_by_role("button", name="วิธีติดตั้ง v9").click()
    await phone.locator(".msg.me", has_text="ติดตั้ง AcuConference 9 ยังไง").wait_for()
    await phone.locator("#quick button", has_text="Windows").wait_for()  # the install guide asks which system


async def test_tapping_a_quick_reply_sends_it_and_a_reload_keeps_the_conversation(phone: Any) -> None:
    await ask(phone, DATE_QUESTION)
    await phone.locator("#quick button", has_text="👍 ตรงคำถาม").click()
    await phone.locator(".msg.me", has_text="👍 ตรงคำถาม").wait_for()
    await ask(phone, "ติดตั้ง v9 ยังไง")
    await phone.locator("#quick button", has_text="Windows").click()
    await phone.locator(".msg.me", has_text="Windows").wait_for()
    answer = phone.locator(".msg.bot", has_text="บน Windows")
    await answer.wait_for()
    assert await answer.evaluate(IN_VIEW)
    before = await phone.locator("#log > *").all_inner_texts()
    choices = await phone.locator("#quick button").all_inner_texts()

    await phone.reload()
    await phone.locator("article.card").wait_for()
    assert await phone.locator("#log > *").all_inner_texts() == before
    assert await phone.locator("#quick button").all_inner_texts() == choices
    # The newest message is the one in view after the reload too.
    assert await phone.locator(".msg.bot").last.evaluate(IN_VIEW)


async def test_a_network_failure_keeps_the_text_and_offers_a_retry_that_works(phone: Any) -> None:
    await phone.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    await ask(phone, DATE_QUESTION)
    alert = phone.get_by_role("alert")
    await alert.wait_for()
    assert "ส่งข้อความไม่สำเร็จ" in await alert.inner_text()
    assert "ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต" in await alert.inner_text()
    unsent = phone.locator(".msg.me.failed", has_text=DATE_QUESTION)
    assert await unsent.is_visible()
    retry = alert.get_by_role("button", name="ลองอีกครั้ง")
    box = await retry.bounding_box()
    assert box is not None and box["height"] >= MIN_TAP_PX
    assert await alert.evaluate(IN_VIEW)

    await phone.unroute("**/api/chat")
    await retry.click()
    await phone.locator("article.card").wait_for()
    assert await phone.get_by_role("alert").count() == 0
    assert await phone.locator(".msg.me.failed").count() == 0
    assert await phone.locator(".msg.me", has_text=DATE_QUESTION).count() == 1


async def test_a_typing_indicator_shows_while_the_answer_is_on_its_way(phone: Any) -> None:
    release = asyncio.Event()

    async def held(route: Any) -> None:
        await release.wait()
        await route.continue_()

    await phone.route("**/api/chat", held)
    await ask(phone, DATE_QUESTION)
    typing = phone.locator(".typing")
    await typing.wait_for()
    assert await typing.get_attribute("aria-label") == "ginbot กำลังพิมพ์…"
    release.set()
    await phone.locator("article.card").wait_for()
    assert await typing.count() == 0


async def test_links_and_phone_numbers_are_tappable(phone: Any) -> None:
    await ask(phone, "เข้าประชุมไม่ได้")
    call = phone.locator(".msg.bot a.action.phone")
    await call.wait_for()
    assert await call.get_attribute("href") == "tel:026126060"
    # Drawn as a button, the number is not written out again above it.
    assert await phone.locator(".msg.bot", has_text="ลองตรวจสอบตามนี้ค่ะ").locator("a").count() == 1
    await ask(phone, "ดาวน์โหลดโปรแกรมที่ไหน")
    download = phone.locator(".msg.bot a.action.link", has_text="ดาวน์โหลด v9")
    await download.wait_for()
    assert (await download.get_attribute("href") or "").startswith("https://www.dga.or.th/")
    # A web address or phone number inside an answer's words is tappable too.
    in_text = phone.locator(".msg.bot", has_text="ดาวน์โหลด AcuConference 9 ได้ที่").locator("a", has_text="https://")
    assert (await in_text.get_attribute("href") or "").startswith("https://www.dga.or.th/")
    await ask(phone, "อยากกินข้าวมันไก่")
    number = phone.locator(".msg.bot", has_text="ยังตอบคำถามนี้ไม่ได้").locator("a", has_text="02-612-6060")
    assert await number.get_attribute("href") == "tel:026126060"


async def test_the_length_limit_is_told_before_sending(phone: Any) -> None:
    sent: list[str] = []
    phone.on("request", lambda request: sent.append(request.url) if request.url.endswith("/api/chat") else None)
    counter = phone.locator("#count")
    assert not await counter.is_visible()
    await phone.fill("#text", "ก" * 1990)
    assert await counter.inner_text() == "พิมพ์ได้อีก 10 ตัวอักษร"
    await phone.fill("#text", "ก" * 2005)
    assert "ยาวเกินไป 5 ตัวอักษร" in await counter.inner_text()
    assert "ไม่เกิน 2,000 ตัวอักษร" in await counter.inner_text()
    await phone.press("#text", "Enter")
    assert await phone.locator(".msg.me").count() == 0
    assert len(await phone.input_value("#text")) == 2005  # nothing cut off or lost
    assert sent == []


async def test_deleting_my_data_also_deletes_the_conversation_kept_in_the_browser(phone: Any) -> None:
    await ask(phone, DATE_QUESTION)
    await phone.locator("article.card").wait_for()
    visitor = await phone.evaluate("localStorage.getItem('ginbot-visitor')")
    await ask(phone, "ลบข้อมูลของฉัน")
    await phone.locator("#quick button", has_text="ยืนยันลบข้อมูล").click()
    await phone.locator(".msg.bot", has_text="ลบข้อมูลทั้งหมดของท่านเรียบร้อยแล้วค่ะ").wait_for()
    assert await phone.evaluate("localStorage.getItem('ginbot-history')") is None

    await phone.reload()
    await phone.locator(".msg.bot", has_text="สวัสดีค่ะ").wait_for()  # greeted as someone new
    assert await phone.locator("article.card").count() == 0
    assert await phone.locator(".msg.me").count() == 0
    assert await phone.evaluate("localStorage.getItem('ginbot-visitor')") not in (None, visitor)
