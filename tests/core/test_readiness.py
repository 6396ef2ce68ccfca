"""Readiness reports in conversation: unprompted statements, check-in buttons, and short answers that
only mean something right after a check-in. Today is pinned to 3 July 2563 (cohort 1 moved on 1 July)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ginbot.db import readiness as store
from ginbot.db.models import Broadcast, ChatUser, OutboxRow, ReadinessReport
from ginbot.db.session import Database
from tests.core.conftest import Chat


async def _status(db: Database, user: str = "U1") -> tuple[str | None, list[tuple[str, str]]]:
    async with db.session() as session:
        user_id = await session.scalar(select(ChatUser.id).where(ChatUser.platform_user_id == user))
        assert user_id is not None
        current = await store.status_of(session, user_id)
        history = (
            await session.execute(
                select(ReadinessReport.status, ReadinessReport.source)
                .where(ReadinessReport.user_id == user_id)
                .order_by(ReadinessReport.id)
            )
        ).all()
    return (current.status if current else None), [(s, src) for s, src in history]


async def _send_checkin(db: Database, user: str = "U1", at: datetime | None = None) -> None:
    """What the planner and sender leave behind after a check-in reached this person."""
    at = at or datetime(2020, 7, 1, 2, 0, tzinfo=UTC)  # 09:00 Bangkok on cohort 1's migration day
    async with db.session() as session:
        user_id = await session.scalar(select(ChatUser.id).where(ChatUser.platform_user_id == user))
        assert user_id is not None
        checkin = Broadcast(
            kind="checkin", dedupe_key=f"checkin:test:{user}", text="AcuConference 9 ใช้งานได้แล้วหรือยังคะ?",
            target_kind="cohort", target_value="1", send_at=at, created_by="planner", status="open",
        )  # fmt: skip
        session.add(checkin)
        await session.flush()
        row = OutboxRow(
            broadcast_id=checkin.id, user_id=user_id, channel="line", status="sent", attempts=1,
            next_attempt_at=at, created_at=at, sent_at=at,
        )  # fmt: skip
        session.add(row)


async def test_unprompted_installed_is_recorded_as_ready(chat: Chat, seeded_sqlite: Database) -> None:
    answer = await chat.say("ติดตั้ง v9 แล้ว")
    assert "บันทึกแล้ว" in answer and "ไม่เตือนให้ติดตั้งอีก" in answer
    assert await _status(seeded_sqlite) == ("ready", [("ready", "text")])


async def test_check_in_buttons_are_recorded_as_buttons_and_history_is_kept(
    chat: Chat, seeded_sqlite: Database
) -> None:
    await chat.say("ยังไม่ได้ติดตั้ง")
    assert chat.button_texts[:2] == ["ติดตั้ง v9 บน windows", "ติดตั้ง v9 บน mac"]  # the install guide
    await chat.say("ยังมีปัญหา")
    assert "ติดต่อเจ้าหน้าที่" in chat.buttons  # trouble-shooting with a person to call
    await chat.say("ใช้ได้แล้ว")
    assert await _status(seeded_sqlite) == (
        "ready",
        [("not_installed", "button"), ("problem", "button"), ("ready", "button")],
    )


async def test_free_text_statements_any_time(make_bot, seeded_sqlite: Database) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot()
    for user, text, expected in [
        ("A", "ลงแล้วค่ะ ใช้ได้", "ready"),
        ("B", "ยังเข้าไม่ได้เลย", "problem"),
        ("C", "ยังไม่ได้ลง", "not_installed"),
    ]:
        await Chat(bot, user).say(text)
        assert (await _status(seeded_sqlite, user))[0] == expected, text


async def test_a_question_about_joining_is_not_a_status(chat: Chat, seeded_sqlite: Database) -> None:
    await chat.say("เข้าประชุมไม่ได้ทำยังไง")
    assert await _status(seeded_sqlite) == (None, [])


async def test_short_answers_count_only_after_a_check_in(make_bot, seeded_sqlite: Database) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot()
    before = Chat(bot, "U1")
    await before.say("ได้แล้วค่ะ")  # out of the blue: small talk, nothing recorded
    assert await _status(seeded_sqlite) == (None, [])

    await _send_checkin(seeded_sqlite)
    await before.say("ได้แล้วค่ะ")
    assert await _status(seeded_sqlite) == ("ready", [("ready", "text")])

    other = Chat(bot, "U2")
    await other.say("สวัสดีค่ะ")
    await _send_checkin(seeded_sqlite, "U2")
    answer = await other.say("ยังเลยค่ะ")
    assert "ยังไม่ได้ติดตั้ง" in answer
    assert (await _status(seeded_sqlite, "U2"))[0] == "not_installed"


async def test_an_old_check_in_no_longer_gives_context(make_bot, seeded_sqlite: Database) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(make_bot(), "U1")
    await chat.say("สวัสดีค่ะ")
    await _send_checkin(seeded_sqlite, at=datetime(2020, 6, 1, 2, 0, tzinfo=UTC))
    await chat.say("ได้แล้วค่ะ")
    assert await _status(seeded_sqlite) == (None, [])


async def test_forget_me_removes_readiness(chat: Chat, seeded_sqlite: Database) -> None:
    await chat.say("ติดตั้ง v9 แล้ว")
    await chat.say("ลบข้อมูลของฉัน")
    await chat.say("ยืนยันลบข้อมูล")
    async with seeded_sqlite.session() as session:
        assert (await session.scalars(select(ReadinessReport))).all() == []
