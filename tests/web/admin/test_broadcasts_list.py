"""The broadcasts list on a fresh database started long after the campaign: the planner records every
reminder of 2020 as skipped (hundreds), yet staff see their announcements first, reminders and check-ins
on tabs of their own, the skipped ones counted in one line, and pages of 25."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.planner import plan_once
from ginbot.delivery.policy import load_policy
from ginbot.testing.fixtures import TELEGRAM_TOKEN, telegram_stub  # noqa: F401  (pytest fixture)
from ginbot.testing.telegram_stub import TelegramStub
from ginbot.web.app import create_app
from tests.conftest import ROOT
from tests.web.admin.conftest import Admin, RecordingBot, add_staff, admin_settings, sign_in

LONG_AFTER = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
ROW = re.compile(r'<td><a href="/admin/broadcasts/(\d+)">')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


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


async def test_a_send_now_confirmed_in_the_admin_leaves_without_waiting_for_a_poll(
    seeded_sqlite: Database, telegram_stub: TelegramStub  # noqa: F811
) -> None:
    """`ginbot serve` with its own sender, polls five minutes apart: only the confirm's wake-up can start it."""
    async with seeded_sqlite.session() as session:
        session.add(ChatUser(channel="telegram", platform_user_id="555000111", agency_id="rd", subscribed=True))
    await add_staff(seeded_sqlite)
    settings = admin_settings(
        GINBOT_RUN_SENDER="true", GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN, GINBOT_TELEGRAM_API_BASE=telegram_stub.api_base,
        GINBOT_PLANNER_INTERVAL_S="300", GINBOT_SENDER_IDLE_POLL_S="300",
        GINBOT_REMINDERS_FILE=str(ROOT / "no-reminders-in-this-test.yml"),
        GINBOT_CHECKINS_FILE=str(ROOT / "no-check-ins-in-this-test.yml"),
    )  # fmt: skip
    app = create_app(settings, db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        assert (await sign_in(client)).status == 303
        admin = Admin(client, app, RecordingBot(), seeded_sqlite)
        await telegram_stub.wait_for("getMe", timeout_s=60)
        form = {"target_kind": "all", "text": "ประกาศด่วน ส่งทันที", "when": "now"}
        preview = await admin.post("/admin/broadcasts/preview", form)
        nonce = NONCE.search(await preview.text())
        assert nonce is not None
        done = await admin.post("/admin/broadcasts", {**form, "nonce": nonce.group(1)})
        assert done.status == 303
        await telegram_stub.wait_for("sendMessage", timeout_s=30)
    assert telegram_stub.texts_to("555000111") == ["ประกาศด่วน ส่งทันที"]
