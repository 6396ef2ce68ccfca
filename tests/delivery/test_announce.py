"""Staff announcements: `ginbot broadcast` and the Telegram staff group's /broadcast with confirmation."""

from __future__ import annotations

import asyncio
import getpass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from ginbot import cli
from ginbot.db.migrate import upgrade
from ginbot.db.models import AuditLog, Broadcast, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import StaffBroadcasts
from ginbot.delivery.planner import plan_once
from ginbot.delivery.telegram_staff import handle_staff_update
from tests.delivery.conftest import Person, add_people, line_id, seed_campaign, telegram_id


async def _seeded(url: str) -> None:
    db = Database(url)
    await upgrade(db)
    await seed_campaign(db)
    await add_people(
        db,
        [
            Person("line", line_id(1), "dga"),
            Person("telegram", telegram_id(2), "sopm"),
            Person("telegram", telegram_id(3), None),
        ],
    )
    await db.close()


async def _count(url: str, model: Any) -> int:
    db = Database(url)
    async with db.session() as session:
        n = await session.scalar(select(func.count()).select_from(model))
    await db.close()
    return int(n or 0)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    asyncio.run(_seeded(url))
    monkeypatch.setenv("GINBOT_DATABASE_URL", url)
    return url


def test_cli_dry_run_counts_and_writes_nothing(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["broadcast", "--to", "all", "--dry-run", "ทดสอบ"]) == 0
    out = capsys.readouterr().out
    assert "recipients: 3 (line 1, telegram 2)" in out and "dry run" in out
    assert asyncio.run(_count(cli_db, Broadcast)) == 0


def test_cli_queues_and_reports(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["broadcast", "--to", "cohort:1", "--channel", "line", "ปิดปรับปรุงระบบ"]) == 0
    out = capsys.readouterr().out
    assert "recipients: 1 (line 1)" in out and "broadcast id: 1" in out
    assert cli.main(["broadcast", "--status", "1"]) == 0
    assert "broadcast 1 to cohort:1 (scheduled)" in capsys.readouterr().out


def test_cli_schedules_in_bangkok_time(cli_db: str) -> None:
    assert cli.main(["broadcast", "--to", "all", "--at", "2030-07-03T09:00", "ข้อความ"]) == 0

    async def send_at() -> datetime | None:
        db = Database(cli_db)
        async with db.session() as session:
            value = await session.scalar(select(Broadcast.send_at))
        await db.close()
        return value

    value = asyncio.run(send_at())
    assert value is not None and value.replace(tzinfo=UTC) == datetime(2030, 7, 3, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "cohort:9", "x"], "no cohort 9; known cohorts: 1, 2, 3"),
        (["--to", "agency:nope", "x"], "no agency with id 'nope'"),
        (["--to", "ministry:3", "x"], "unknown target 'ministry:3'"),
        (["--to", "all", "   "], "the message is empty"),
        (["--to", "all", "x" * 5000], "Telegram accepts at most 4096"),
        (["--to", "all", "--at", "tomorrow", "x"], "not an ISO time"),
        (["--to", "all"], "give --to TARGET and the TEXT"),
    ],
)
def test_cli_refuses_bad_input_with_exit_2(
    cli_db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert cli.main(["broadcast", *args]) == 2
    assert message in capsys.readouterr().err
    assert asyncio.run(_count(cli_db, Broadcast)) == 0


# --- the staff command ----------------------------------------------------------------------------------

STAFF, OTHER_STAFF, STRANGER = 111, 222, 999


@pytest.fixture
async def staff(campaign: Database) -> StaffBroadcasts:
    await add_people(
        campaign, [Person("telegram", telegram_id(i), "sopm") for i in range(4)]
    )  # sopm: cohort 2
    return StaffBroadcasts(campaign, [STAFF, OTHER_STAFF])


async def outbox_rows(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


async def test_only_staff_may_broadcast(staff: StaffBroadcasts) -> None:
    reply = await staff.on_command(STRANGER, "/broadcast cohort:2 สวัสดี")
    assert reply is not None and "เฉพาะเจ้าหน้าที่" in reply.text and not reply.buttons
    async with staff.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_preview_then_confirm_queues_once(staff: StaffBroadcasts) -> None:
    preview = await staff.on_command(STAFF, "/broadcast@ginbot_bot cohort:2 ระบบปิดปรับปรุง 22:00 น.")
    assert preview is not None
    assert "4 คน" in preview.text and "ระบบปิดปรับปรุง 22:00 น." in preview.text
    confirm, _cancel = preview.buttons
    assert confirm.label == "ยืนยันส่ง" and len(confirm.data.encode()) <= 64

    # Nothing goes out before confirmation, however often the planner runs.
    await plan_once(staff.db, None, datetime.now(UTC) + timedelta(hours=1), 0)
    assert await outbox_rows(staff.db) == 0

    assert await staff.on_callback(OTHER_STAFF, confirm.data) is not None  # not theirs to confirm
    done = await staff.on_callback(STAFF, confirm.data)
    assert done is not None and "รับคำสั่งแล้ว" in done.text
    again = await staff.on_callback(STAFF, confirm.data)  # a double tap
    assert again is not None and "ไม่พบ" in again.text
    await plan_once(staff.db, None, datetime.now(UTC) + timedelta(seconds=1), 0)
    assert await outbox_rows(staff.db) == 4


async def test_cancel_and_expiry(staff: StaffBroadcasts) -> None:
    first = await staff.on_command(STAFF, "/broadcast cohort:2 หนึ่ง")
    assert first is not None
    cancelled = await staff.on_callback(STAFF, first.buttons[1].data)
    assert cancelled is not None and "ยกเลิก" in cancelled.text

    late = StaffBroadcasts(staff.db, [STAFF], now=lambda: datetime.now(UTC) + timedelta(hours=1))
    second = await staff.on_command(STAFF, "/broadcast cohort:2 สอง")
    assert second is not None
    expired = await late.on_callback(STAFF, second.buttons[0].data)
    assert expired is not None and "หมดเวลา" in expired.text
    await plan_once(staff.db, None, datetime.now(UTC) + timedelta(hours=2), 0)
    assert await outbox_rows(staff.db) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/broadcast", "วิธีใช้"),
        ("/broadcast cohort:2", "วิธีใช้"),
        ("/broadcast cohort:7 x", "no cohort 7"),
        ("สวัสดี", None),
    ],
)
async def test_staff_command_usage(staff: StaffBroadcasts, text: str, expected: str | None) -> None:
    reply = await staff.on_command(STAFF, text)
    assert (reply is None) if expected is None else (reply is not None and expected in reply.text)


def _update(data: dict[str, Any]) -> Update:
    return Update.de_json(data, None)  # type: ignore[arg-type]


async def test_telegram_hook_sends_preview_with_inline_keyboard(staff: StaffBroadcasts) -> None:
    sent: list[tuple[int, str, Any]] = []
    acked: list[str] = []

    async def send(chat_id: int, text: str, markup: Any) -> bool:
        sent.append((chat_id, text, markup))
        return True

    async def ack(query_id: str) -> None:
        acked.append(query_id)

    chat = {"id": -100500, "type": "supergroup", "title": "GIN staff"}
    user = {"id": STAFF, "is_bot": False, "first_name": "Staff"}
    command = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 0,
            "chat": chat,
            "from": user,
            "text": "/broadcast cohort:2 ทดสอบ",
        },
    }
    assert await handle_staff_update(staff, _update(command), send, ack)
    ((chat_id, text, markup),) = sent
    assert chat_id == -100500 and "4 คน" in text
    button = markup.inline_keyboard[0][0]
    press = {
        "update_id": 2,
        "callback_query": {
            "id": "cb1", "from": user, "chat_instance": "x", "data": button.callback_data,
            "message": {"message_id": 6, "date": 0, "chat": chat, "text": text},
        },
    }  # fmt: skip
    assert await handle_staff_update(staff, _update(press), send, ack)
    assert acked == ["cb1"] and "รับคำสั่งแล้ว" in sent[-1][1]
    chatter = {
        "update_id": 3,
        "message": {"message_id": 7, "date": 0, "chat": chat, "from": user, "text": "สวัสดี"},
    }
    assert not await handle_staff_update(staff, _update(chatter), send, ack)


# --- one service behind every door: the same checks, the same report, an audit record -----------------


async def _audit(url: str) -> list[AuditLog]:
    db = Database(url)
    async with db.session() as session:
        rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    await db.close()
    return list(rows)


def test_cli_broadcast_is_audited_under_the_operating_system_user(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["broadcast", "--to", "notready:cohort:1", "ติดตั้ง v9 ด้วยนะคะ"]) == 0
    out = capsys.readouterr().out
    assert "recipients: 1 (line 1)" in out and "sends: now" in out
    (entry,) = asyncio.run(_audit(cli_db))
    assert entry.action == "broadcast_created" and entry.staff_name == f"cli:{getpass.getuser()}"
    assert entry.details["via"] == "cli" and entry.details["target"] == "notready:cohort:1"
    assert entry.details["recipients"] == 1 and entry.details["text"] == "ติดตั้ง v9 ด้วยนะคะ"
    # A dry run stores nothing, so it records nothing either.
    assert cli.main(["broadcast", "--to", "all", "--dry-run", "ทดสอบ"]) == 0
    assert len(asyncio.run(_audit(cli_db))) == 1


def test_cli_refuses_a_time_that_has_passed_as_the_admin_does(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["broadcast", "--to", "all", "--at", "2020-07-03T09:00", "ข้อความ"]) == 2
    assert "has passed: choose a later time, or send now" in capsys.readouterr().err
    assert asyncio.run(_count(cli_db, Broadcast)) == 0 and asyncio.run(_audit(cli_db)) == []


async def test_telegram_broadcast_is_audited_once_confirmed_under_the_staff_id(staff: StaffBroadcasts) -> None:
    async def audit() -> list[AuditLog]:
        async with staff.db.session() as session:
            return list((await session.scalars(select(AuditLog))).all())

    cancelled = await staff.on_command(STAFF, "/broadcast cohort:2 ยกเลิกอันนี้")
    assert cancelled is not None
    await staff.on_callback(STAFF, cancelled.buttons[1].data)
    preview = await staff.on_command(STAFF, "/broadcast cohort:2 ระบบปิดปรับปรุง 22:00 น.")
    assert preview is not None and await audit() == [], "previews and cancelled drafts are not announcements"
    done = await staff.on_callback(STAFF, preview.buttons[0].data)
    assert done is not None and "4 คน" in done.text and "เริ่มส่งทันที" in done.text
    (entry,) = await audit()
    assert entry.action == "broadcast_created" and entry.staff_name == f"telegram:{STAFF}"
    assert entry.details["via"] == "telegram" and entry.details["target"] == "cohort:2"
    assert entry.details["recipients"] == 4
