"""The readiness page in real headless Chromium: from the menu to a cohort, its chart and agencies with
nobody ready marked, an agency's people, a status recorded by staff, and the nudge into the composer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from ginbot.db import readiness
from ginbot.db.models import ChatUser, Readiness
from ginbot.db.session import Database
from ginbot.web.app import create_app
from tests.web.admin.conftest import RecordingBot, add_people, add_staff, admin_settings
from tests.web.admin.test_browser import browser, signed_in_page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


async def test_readiness_page_in_a_browser(seeded_sqlite: Database, browser: Any) -> None:  # noqa: F811
    await add_staff(seeded_sqlite)
    await add_people(seeded_sqlite, [
        {"channel": "line", "platform_user_id": "U1", "agency_id": "tmd"},
        {"channel": "telegram", "platform_user_id": "2", "agency_id": "tmd"},
        {"channel": "line", "platform_user_id": "U3", "agency_id": "dga"},
    ])  # fmt: skip
    async with seeded_sqlite.session() as session:
        ids = dict((await session.execute(select(ChatUser.platform_user_id, ChatUser.id))).all())
        await readiness.record(session, ids["U1"], "ready", "button", datetime(2020, 7, 1, 3, 0, tzinfo=UTC))
    app = create_app(admin_settings(), db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestServer(app) as server:
        page = await signed_in_page(browser, server)
        await page.get_by_role("link", name="ความพร้อม v9").click()
        await page.get_by_role("heading", name="ความพร้อมใช้งาน AcuConference 9").wait_for()
        await page.get_by_role("link", name="กลุ่ม 1", exact=True).click()
        agencies = page.locator("#agencies tbody tr")
        assert await agencies.count() == 14
        # 13 agencies with nobody confirmed ready, marked, above the one that has someone ready.
        assert await page.locator("#agencies tr.nobody-ready").count() == 13
        assert await agencies.last.get_attribute("data-agency") == "tmd"
        chart = page.get_by_role("img", name="สถานะความพร้อมของกลุ่มที่ 1 รายวัน")
        await chart.wait_for()
        assert await page.locator("svg.readiness-chart rect[data-series=ready]").count() >= 1

        await page.locator("#agencies tr[data-agency=tmd] a").click()
        await page.locator("#agency [data-field=ready]", has_text="1").wait_for()
        row = page.locator("#people tbody tr", has_text=f"#{ids['2']}")
        await row.locator("select[name=status]").select_option("problem")
        await row.get_by_role("button", name="บันทึก").click()
        await page.locator(".notice", has_text="มีปัญหา").wait_for()
        await page.locator("#agency [data-field=problem]", has_text="1").wait_for()

        await page.goto(str(server.make_url("/admin/readiness?cohort=1")))
        await page.click("#nudge-cohort")
        await page.get_by_role("heading", name="สร้างประกาศ").wait_for()
        assert await page.is_checked("input[name=notready]")
        # tmd's problem person and dga's silent one; the ready person is not counted.
        await page.locator("#recipient-count", has_text="ผู้รับ 2 คน (LINE 1, Telegram 1)").wait_for()
        await page.uncheck("input[name=notready]")
        await page.locator("#recipient-count", has_text="ผู้รับ 3 คน").wait_for()
    async with seeded_sqlite.session() as session:
        current = await session.get(Readiness, ids["2"])
        assert current is not None and (current.status, current.source) == ("problem", "staff")
