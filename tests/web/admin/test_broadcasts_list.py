"""The broadcasts list on a fresh database started long after the campaign: the planner records every
reminder of 2020 as skipped (hundreds), yet staff see their announcements first, reminders and check-ins
on tabs of their own, the skipped ones counted in one line, and pages of 25."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ginbot.delivery.announce import announce
from ginbot.delivery.planner import plan_once
from ginbot.delivery.policy import load_policy
from tests.conftest import ROOT
from tests.web.admin.conftest import Admin

LONG_AFTER = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
ROW = re.compile(r'<td><a href="/admin/broadcasts/(\d+)">')


async def page(admin: Admin, path: str) -> str:
    resp = await admin.client.get(path)
    assert resp.status == 200, resp.status
    return await resp.text()


def rows(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


async def test_a_first_start_long_after_the_campaign_keeps_the_list_readable(admin: Admin) -> None:
    result = await plan_once(admin.db, load_policy(ROOT / "data" / "reminders.yml"), LONG_AFTER, 6 * 3600)
    skipped = result.reminders_skipped
    assert skipped > 2 * 25, "a first start records every 2020 reminder as skipped"
    first = await announce(admin.db, to="all", text="ประกาศแรก", created_by="admin:somchai", now=LONG_AFTER)
    second = await announce(admin.db, to="cohort:1", text="ประกาศสอง", created_by="admin:somchai", now=LONG_AFTER)

    html = await page(admin, "/admin/broadcasts")
    assert rows(html) == [second.broadcast_id, first.broadcast_id], "announcements, newest first, by default"
    assert 'data-tab="announcements" aria-current="page"' in html
    assert "ข้าม (เลยเวลาส่ง)" not in html and 'rel="next"' not in html

    reminders = await page(admin, "/admin/broadcasts?tab=reminders")
    assert rows(reminders) == [], "nothing was sent; nothing to list"
    assert f"ข้าม (เลยเวลาส่ง) {skipped:,} รายการ" in reminders

    shown = await page(admin, "/admin/broadcasts?tab=reminders&skipped=1")
    newest = rows(shown)
    assert len(newest) == 25 and newest == sorted(newest, reverse=True)
    pages = -(-skipped // 25)
    assert f"หน้า 1 จาก {pages}" in shown and 'rel="next"' in shown and 'rel="prev"' not in shown
    second_page = rows(await page(admin, "/admin/broadcasts?tab=reminders&skipped=1&page=2"))
    assert len(second_page) == 25 and max(second_page) < min(newest), "the next 25, older, none twice"
    last = await page(admin, f"/admin/broadcasts?tab=reminders&skipped=1&page={pages + 5}")
    assert f"หน้า {pages} จาก {pages}" in last and len(rows(last)) == skipped - 25 * (pages - 1)


async def test_the_dashboard_shows_recent_announcements_not_skipped_reminders(admin: Admin) -> None:
    await plan_once(admin.db, load_policy(ROOT / "data" / "reminders.yml"), LONG_AFTER, 6 * 3600)
    sent = await announce(admin.db, to="all", text="ประกาศบนแดชบอร์ด", created_by="admin:somchai", now=LONG_AFTER)
    html = await page(admin, "/admin")
    assert rows(html) == [sent.broadcast_id]
