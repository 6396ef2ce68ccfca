"""The composer's LINE preview in headless Chromium: the bubble follows what staff type into the card."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from ginbot.db.session import Database
from ginbot.web.app import create_app
from tests.web.admin.conftest import RecordingBot, add_staff, admin_settings
from tests.web.admin.test_browser import browser, signed_in_page  # noqa: F401  (browser: a pytest fixture)

pytestmark = pytest.mark.browser


async def test_the_line_preview_follows_the_card_as_it_is_typed(seeded_sqlite: Database, browser: Any) -> None:  # noqa: F811
    await add_staff(seeded_sqlite)
    app = create_app(admin_settings(), db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestServer(app) as server:
        page = await signed_in_page(browser, server, "/admin/broadcasts/new")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        preview = page.locator("#line-preview")
        await page.get_by_text("เพิ่มการ์ด (ไม่บังคับ)").click()  # folded away until wanted
        await page.fill("textarea[name=text]", "ระบบ v8 จะปิดคืนนี้ค่ะ")
        assert await preview.locator(".line-text").inner_text() == "ระบบ v8 จะปิดคืนนี้ค่ะ"

        await page.fill("input[name=card_title]", "ปิดระบบ v8 กลุ่ม 2")
        await page.fill("input[name=card_label_1]", "ปิด v8")
        await page.fill("input[name=card_value_1]", "6 ก.ค. 2563 18:00 น.")
        await page.fill("input[name=card_phone_label]", "โทรหาเจ้าหน้าที่")
        bubble = preview.locator(".flex-bubble")
        assert await bubble.locator(".flex-title").inner_text() == "ปิดระบบ v8 กลุ่ม 2"
        assert await bubble.locator(".flex-text").inner_text() == "ระบบ v8 จะปิดคืนนี้ค่ะ"
        assert await bubble.locator("dt").all_inner_texts() == ["ปิด v8"]
        assert await bubble.locator("dd").all_inner_texts() == ["6 ก.ค. 2563 18:00 น."]
        assert await bubble.locator(".flex-button").all_inner_texts() == ["โทรหาเจ้าหน้าที่"]

        await page.fill("input[name=card_title]", "")
        assert await preview.locator(".flex-bubble").count() == 0
        assert await preview.locator(".line-text").is_visible()
        assert problems == []  # nothing refused by the page's Content-Security-Policy
