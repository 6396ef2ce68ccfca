#!/usr/bin/env python3
"""Render the helpdesk dashboard with demo data in headless Chromium and save docs/admin-dashboard.png.

    .venv/bin/python scripts/admin_screenshot.py [--out docs/admin-dashboard.png] [--width 1280]

Everything happens in a throw-away SQLite database: the official cohorts and agencies, ~600 people on
LINE, Telegram and the web chat, two weeks of messages, an announcement and a reminder with their delivery
reports, and a staff account. GINBOT_TODAY is pinned to 2020-07-03, mid-campaign. Needs Debian's chromium
and, for Thai glyphs, a Thai font (Debian: fonts-thai-tlwg).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestServer  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from ginbot.db.csv_import import import_file  # noqa: E402
from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.models import Agency, Broadcast, ChatUser, MessageLog, OutboxRow  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.settings import load_settings  # noqa: E402
from ginbot.web.admin.accounts import create_staff  # noqa: E402
from ginbot.web.app import create_app  # noqa: E402

TODAY = date(2020, 7, 3)
BANGKOK = ZoneInfo("Asia/Bangkok")
STAFF, PASSWORD = "somchai", "demo-password-2563"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# (text, intent, confidence, answered, weight): about one question in twelve goes unanswered.
QUESTIONS = [
    ("กรมสรรพากรย้ายวันไหน", "migration_date", 0.97, True, 30),
    ("v8 ใช้ได้ถึงวันไหน", "last_v8_day", 0.93, True, 20),
    ("ติดตั้ง AcuConference 9 บน mac ยังไง", "install_v9", 0.95, True, 25),
    ("เข้าห้องประชุมไม่ได้ ขึ้น error", "cannot_join", 0.88, True, 15),
    ("หน่วยงานผมอยู่กลุ่มไหน", "which_cohort", 0.91, True, 12),
    ("จองห้องประชุมล่วงหน้ายังไง", "fallback", 0.41, False, 5),
    ("อัดวิดีโอการประชุมได้ไหม", "fallback", 0.38, False, 4),
    ("ประชุมพร้อมกันได้กี่ห้อง", "fallback", 0.33, False, 2),
]


async def seed(db: Database) -> None:
    rng = random.Random(20200703)
    await upgrade(db)
    for kind in ("cohorts", "agencies"):
        async with db.session() as s:
            await import_file(s, kind, ROOT / "data" / f"{kind}.csv")
    async with db.session() as s:
        agencies = (await s.execute(select(Agency.id, Agency.cohort))).all()
        await create_staff(s, STAFF, PASSWORD)
    people = []
    for n in range(640):
        channel = rng.choices(["line", "telegram", "web"], weights=[6, 3, 1])[0]
        # The Revenue Department is big and early to subscribe: it gets a tenth of the people.
        agency = ("rd" if rng.random() < 0.1 else rng.choice(agencies)[0]) if rng.random() < 0.78 else None
        people.append({
            "channel": channel, "platform_user_id": f"{channel}-{n:05d}", "agency_id": agency,
            "subscribed": agency is not None and rng.random() < 0.9, "blocked": rng.random() < 0.03,
        })  # fmt: skip
    async with db.session() as s:
        await s.execute(insert(ChatUser), people)
        users = (await s.execute(select(ChatUser.id, ChatUser.channel, ChatUser.subscribed, ChatUser.agency_id))).all()
    cohort_of: dict[str, int] = {a: c for a, c in agencies}
    messages = []
    for back in range(14):
        day = TODAY - timedelta(days=back)
        # Traffic rises towards each cohort's cutoff (30 Jun, 6 Jul).
        volume = 40 + 25 * (14 - back) // 2 + (60 if day in (date(2020, 6, 30), date(2020, 7, 1)) else 0)
        for _ in range(volume):
            text, intent, confidence, answered, _ = rng.choices(QUESTIONS, weights=[q[4] for q in QUESTIONS])[0]
            local = datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=BANGKOK)
            moment = local.astimezone(UTC)  # stored in UTC, as everywhere in ginbot
            messages.append({
                "user_id": rng.choice(users)[0], "channel": "line", "text": text, "intent": intent,
                "confidence": confidence, "entities": {}, "answered": answered, "created_at": moment,
            })  # fmt: skip
    async with db.session() as s:
        await s.execute(insert(MessageLog), messages)
    await broadcasts(db, users, cohort_of)


async def broadcasts(db: Database, users: list, cohort_of: dict[str, int]) -> None:  # type: ignore[type-arg]
    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=BANGKOK).astimezone(UTC)

    plans = [
        ("reminder", "agency", "rd", "เรียน ผู้ใช้งาน GIN Conference ของกรมสรรพากร: ระบบ v8 ใช้ได้ถึงวันจันทร์ที่ 6 กรกฎาคม 2563",
         at(date(2020, 6, 29), 9), lambda u: u.agency_id == "rd", "planner"),
        ("announcement", "cohort", "1", "แจ้งหน่วยงานกลุ่ม 1: GIN Conference v9 เปิดใช้งานแล้ว หากเข้าห้องประชุมไม่ได้ พิมพ์ \"เข้าไม่ได้\"",
         at(date(2020, 7, 1), 8), lambda u: cohort_of.get(u.agency_id or "") == 1, "admin:somchai"),
        ("announcement", "all", None, "ระบบจะปิดปรับปรุงคืนวันศุกร์ที่ 3 ก.ค. เวลา 22:00–23:00 น.",
         at(TODAY, 10), lambda u: True, "admin:somchai"),
    ]  # fmt: skip
    rng = random.Random(7)
    for kind, target_kind, value, text, send_at, chosen, by in plans:
        async with db.session() as s:
            row = Broadcast(
                kind=kind, text=text, target_kind=target_kind, target_value=value, channel=None, send_at=send_at,
                created_by=by, created_at=send_at - timedelta(minutes=5), status="fanned_out", fanout_cursor=0,
            )  # fmt: skip
            s.add(row)
            await s.flush()
            rows = []
            for u in users:
                if not u.subscribed or u.channel == "web" or not chosen(u):
                    continue
                status = rng.choices(["sent", "failed", "blocked", "queued"], weights=[90, 2, 3, 5 if send_at.date() == TODAY else 0])[0]
                rows.append({
                    "broadcast_id": row.id, "user_id": u.id, "channel": u.channel, "status": status, "attempts": 1,
                    "next_attempt_at": send_at, "possibly_duplicated": False, "created_at": send_at,
                    "sent_at": send_at + timedelta(seconds=30) if status == "sent" else None,
                })  # fmt: skip
            row.recipient_count = len(rows)
            if rows:
                await s.execute(insert(OutboxRow), rows)


async def shoot(out: Path, width: int) -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}")
        await seed(db)
        settings = load_settings({"GINBOT_TODAY": TODAY.isoformat(), "GINBOT_RUN_SENDER": "false"})
        try:
            async with TestServer(create_app(settings, db=db)) as server, async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                page = await browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
                await page.goto(str(server.make_url("/admin")))
                await page.fill("input[name=name]", STAFF)
                await page.fill("input[name=password]", PASSWORD)
                await page.click("form button[type=submit]")
                await page.wait_for_selector("svg.chart")
                out.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(out), full_page=True)
                await browser.close()
        finally:
            await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "admin-dashboard.png")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM} (Debian package chromium)", file=sys.stderr)
        return 1
    if shutil.which("fc-list") and not subprocess.run(["fc-list", ":lang=th"], capture_output=True, text=True).stdout:
        print("warning: no Thai font installed; Thai text will show as boxes (apt-get install fonts-thai-tlwg)", file=sys.stderr)
    asyncio.run(shoot(args.out, args.width))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
