"""Thai conversations through Bot.handle with the real NLU and the bundled campaign data.

Dates: cohort 1 moves 1 Jul 2563 (v8 until 30 Jun), cohort 2 on 7 Jul (v8 until 6 Jul), cohort 3 on
15 Jul (v8 until 14 Jul). กรมสรรพากร is in cohort 2, กรมอุตุนิยมวิทยา and สพร. in 1, กรมชลประทาน in 3.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import Kind
from ginbot.core.understanding import NluUnderstanding, Understood
from ginbot.db import queries
from ginbot.db.models import ChatUser, ConversationState, MessageLog
from ginbot.db.session import Database
from ginbot.nlu.agency_table import AgencyCandidate
from ginbot.nlu.engine import Nlu
from tests.core.conftest import BotFactory, Chat


async def test_migration_date_for_a_named_agency(chat: Chat) -> None:
    answer = await chat.say("กรมสรรพากรย้ายวันไหน")
    assert "กรมสรรพากร" in answer and "กลุ่มที่ 2" in answer
    assert "วันอังคารที่ 7 กรกฎาคม 2563" in answer and "อีก 4 วัน" in answer
    assert "วันจันทร์ที่ 6 กรกฎาคม 2563" in answer


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2020, 7, 6), ["พรุ่งนี้", "7 กรกฎาคม 2563"]),
        (date(2020, 7, 7), ["วันนี้", "7 กรกฎาคม 2563"]),
        (date(2020, 7, 9), ["แล้วเมื่อ", "2 วันที่แล้ว"]),
        (date(2020, 6, 1), ["อีก 36 วัน"]),
    ],
)
async def test_migration_date_wording_before_on_and_after(make_bot: BotFactory, today: date, expected: list[str]) -> None:
    answer = await Chat(make_bot(today)).say("กรมสรรพากรย้ายไป v9 วันไหนครับ")
    for words in expected:
        assert words in answer


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2020, 7, 10), ["ใช้ GIN Conference v8 ได้ถึงวันอังคารที่ 14 กรกฎาคม 2563", "อีก 4 วัน"]),
        (date(2020, 7, 14), ["วันนี้", "วันสุดท้าย"]),
        (date(2020, 7, 20), ["ผ่านมาแล้ว", "6 วันที่แล้ว"]),
    ],
)
async def test_last_v8_day_wording(make_bot: BotFactory, today: date, expected: list[str]) -> None:
    answer = await Chat(make_bot(today)).say("กรมชลประทาน v8 ใช้ได้ถึงวันไหน")
    assert "กรมชลประทาน" in answer
    for words in expected:
        assert words in answer


async def test_ask_back_then_resume_and_remember(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    assert "หน่วยงานของท่านคือหน่วยงานใด" in await chat.say("v8 ใช้ได้ถึงวันไหนคะ")
    answer = await chat.say("กรมอุตุฯ")
    assert "กรมอุตุนิยมวิทยา" in answer and "30 มิถุนายน 2563" in answer
    assert "ยกเลิกการแจ้งเตือน" in answer  # the user is told reminders are now on, and how to stop them
    # Remembered: the next question needs no agency.
    again = await chat.say("ย้ายไป v9 วันไหน")
    assert "กรมอุตุนิยมวิทยา" in again and "1 กรกฎาคม 2563" in again
    async with seeded_sqlite.session() as s:
        user = await queries.find_user(s, "line", "U1")
        assert user is not None and user.agency_id == "tmd" and user.subscribed


async def test_conversation_survives_a_restart(make_bot: BotFactory) -> None:
    first = Chat(make_bot(date(2020, 7, 3)))
    await first.say("ใช้ v8 ได้ถึงวันไหน")
    # A new Bot (a restarted process) continues the same conversation from the database.
    second = Chat(make_bot(date(2020, 7, 3)))
    assert "กรมสรรพากร" in await second.say("กรมสรรพากรค่ะ")


async def test_ambiguous_agency_asks_which_with_quick_replies(
    seeded_sqlite: Database, nlu: Nlu, content: Content
) -> None:
    # The matcher found two agencies equally well (as for a name two agencies share): ask, do not guess.
    both = (AgencyCandidate("doh", "กรมทางหลวง", 0.9), AgencyCandidate("drr", "กรมทางหลวงชนบท", 0.9))
    ambiguous = Understood(text="", intent="migration_date", confidence=0.95, candidates=both)

    class Understands:
        def understand(self, text: str) -> Understood:
            if text == "กรมทาง ย้ายวันไหน":
                return replace(ambiguous, text=text)
            return NluUnderstanding(nlu).understand(text)

    chat = Chat(Bot(seeded_sqlite, Understands(), content, Clock(date(2020, 7, 3))))
    answer = await chat.say("กรมทาง ย้ายวันไหน")
    assert "ท่านหมายถึงหน่วยงานใด" in answer
    assert chat.button_texts[:2] == ["กรมทางหลวง", "กรมทางหลวงชนบท"]
    assert "กรมทางหลวงชนบท อยู่กลุ่มที่" in await chat.say(chat.button_texts[1])


async def test_an_exact_name_wins_over_a_longer_one_containing_it(chat: Chat) -> None:
    # กรมการแพทย์ is also the start of กรมการแพทย์แผนไทยและการแพทย์ทางเลือก: the exact name is meant.
    answer = await chat.say("กรมการแพทย์ย้ายวันไหน")
    assert "ท่านหมายถึงหน่วยงานใด" not in answer
    assert "กรมการแพทย์ อยู่กลุ่มที่ 2" in answer


async def test_several_agencies_named_asks_which(chat: Chat) -> None:
    answer = await chat.say("กรมสรรพากรหรือกรมศุลกากรย้ายวันไหน")
    assert "ท่านหมายถึงหน่วยงานใด" in answer
    assert set(chat.button_texts) >= {"กรมสรรพากร", "กรมศุลกากร"}
    assert "กรมศุลกากร อยู่กลุ่มที่" in await chat.say("กรมศุลกากร")


async def test_unknown_agency_says_so(chat: Chat) -> None:
    answer = await chat.say("กรมพัฒนาพลังงานจากดวงจันทร์ย้ายวันไหน")
    assert "ไม่พบหน่วยงาน" in answer


async def test_cohort_number_instead_of_agency(chat: Chat) -> None:
    answer = await chat.say("กลุ่ม ๓ ย้ายวันไหน")
    assert "กลุ่มที่ 3" in answer and "15 กรกฎาคม 2563" in answer and "67 หน่วยงาน" in answer


async def test_which_cohort(chat: Chat) -> None:
    answer = await chat.say("สพร.อยู่กลุ่มไหนครับ")
    assert "สำนักงานพัฒนารัฐบาลดิจิทัล" in answer and "กลุ่มที่ 1" in answer


async def test_cohort_agencies_is_paged(chat: Chat) -> None:
    first = await chat.say("กลุ่ม 2 มีหน่วยงานไหนบ้าง")
    assert "82 หน่วยงาน" in first and "หน้า 1/6" in first
    assert len(first.splitlines()) <= 18  # one phone screen
    assert "หน้า 2/6" in await chat.say("ดูต่อ")


async def test_schedule_lists_every_cohort(chat: Chat) -> None:
    answer = await chat.say("ขอตารางการย้ายทั้งหมดหน่อยครับ")
    for row in ("กลุ่ม 1 (14 หน่วยงาน)", "กลุ่ม 2 (82 หน่วยงาน)", "กลุ่ม 3 (67 หน่วยงาน)", "1 ก.ค. 2563", "14 ก.ค. 2563"):
        assert row in answer


async def test_install_asks_platform_then_guides(chat: Chat) -> None:
    assert "อุปกรณ์ใด" in await chat.say("ติดตั้ง AcuConference 9 ยังไง")
    assert {"Windows", "Mac", "Android", "iPhone/iPad"} <= set(chat.buttons)
    assert "บน macOS" in await chat.say("แมค")
    assert "บน Windows" in await chat.say("ลง acu 9 ในคอม windows ยังไงครับ")


async def test_install_on_a_phone_asks_which_kind(chat: Chat) -> None:
    assert "Android หรือ iPhone" in await chat.say("ลง v9 ในมือถือยังไงคะ")
    assert set(chat.buttons) == {"Android", "iPhone/iPad"}
    assert "บน iPhone" in await chat.say("ไอโฟน")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ถอน v8 ออกยังไง", "ถอน AcuConference 8"),
        ("โหลดโปรแกรม v9 ได้ที่ไหนคะ", "ดาวน์โหลด AcuConference 9 ได้ที่"),
        ("ถ้าไม่ติดตั้ง v9 จะเป็นอะไรไหม", "เข้าใช้งาน GIN Conference ไม่ได้"),
        ("ทำไมต้องเปลี่ยนเป็นเวอร์ชั่น 9", "พ.ศ. 2563"),
        ("gin conference คืออะไร", "สำนักงานพัฒนารัฐบาลดิจิทัล"),
        ("เข้าห้องประชุมไม่ได้ครับ", "ตรวจสอบ"),
        ("ขอเบอร์เจ้าหน้าที่หน่อย", "02-612-6060"),
        ("สวัสดีค่ะ", "สวัสดีค่ะ"),
        ("ขอบคุณครับ", "ยินดีค่ะ"),
        ("ช่วยอะไรได้บ้าง", "ginbot ช่วยได้"),
    ],
)
async def test_guides_and_small_talk(chat: Chat, text: str, expected: str) -> None:
    assert expected in await chat.say(text)


async def test_cannot_join_offers_a_person(chat: Chat) -> None:
    await chat.say("เข้าประชุมไม่ได้ ไม่มีเสียง")
    assert "ติดต่อเจ้าหน้าที่" in chat.buttons


async def test_help_offers_quick_replies(chat: Chat) -> None:
    await chat.say("ช่วยอะไรได้บ้าง")
    assert 3 <= len(chat.buttons) <= 13


async def test_set_agency_subscribe_unsubscribe(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    answer = await chat.say("ผมอยู่กรมชลประทานครับ")
    assert "บันทึกหน่วยงานของท่านแล้ว" in answer and "กลุ่มที่ 3" in answer and "ยกเลิกการแจ้งเตือน" in answer
    assert "ยกเลิกการแจ้งเตือน" in await chat.say("ยกเลิกการแจ้งเตือน")
    async with seeded_sqlite.session() as s:
        user = await queries.find_user(s, "line", "U1")
        assert user is not None and not user.subscribed and user.agency_id == "rid"
    assert "เปิดการแจ้งเตือนให้แล้ว" in await chat.say("สมัครรับการแจ้งเตือนค่ะ")


async def test_subscribe_without_agency_asks_for_it(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    assert "หน่วยงานของท่านคือหน่วยงานใด" in await chat.say("ขอรับการแจ้งเตือนด้วยครับ")
    assert "บันทึกหน่วยงานของท่านแล้ว" in await chat.say("กรมสรรพากร")
    async with seeded_sqlite.session() as s:
        user = await queries.find_user(s, "line", "U1")
        assert user is not None and user.subscribed and user.agency_id == "rd"


async def test_forget_me_after_confirmation(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    await chat.say("ผมอยู่กรมสรรพากร")
    assert "ยืนยัน" in await chat.say("ลบข้อมูลของฉันทั้งหมด")
    assert "ลบข้อมูลทั้งหมดของท่านเรียบร้อยแล้ว" in await chat.say("ยืนยันลบข้อมูล")
    async with seeded_sqlite.session() as s:
        assert await queries.find_user(s, "line", "U1") is None
        assert await s.scalar(select(func.count()).select_from(ConversationState)) == 0
        assert await s.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.user_id.is_not(None))) == 0
    # A new conversation starts from scratch.
    assert "หน่วยงานของท่านคือหน่วยงานใด" in await chat.say("v8 ใช้ได้ถึงวันไหน")


async def test_forget_me_cancelled_keeps_data(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    await chat.say("ผมอยู่กรมสรรพากร")
    await chat.say("ลบข้อมูลของฉัน")
    assert "ยกเลิกการลบข้อมูลแล้ว" in await chat.say("ยกเลิก")
    async with seeded_sqlite.session() as s:
        user = await queries.find_user(s, "line", "U1")
        assert user is not None and user.agency_id == "rd"


async def test_fallback_is_honest_logged_and_offers_staff(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    answer = await chat.say("ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง")
    assert "ยังตอบคำถามนี้ไม่ได้" in answer
    assert "ติดต่อเจ้าหน้าที่" in chat.buttons
    async with seeded_sqlite.session() as s:
        row = (await s.scalars(select(MessageLog).order_by(MessageLog.id.desc()))).first()
        assert row is not None and row.intent == "fallback" and not row.answered
        assert row.text == "ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง"


async def test_every_turn_is_logged_with_entities(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    await chat.say("กรมสรรพากรย้ายวันไหน")
    await chat.say("ขอบคุณครับ")
    async with seeded_sqlite.session() as s:
        rows = (await s.scalars(select(MessageLog).order_by(MessageLog.id))).all()
    assert [r.intent for r in rows] == ["migration_date", "thanks"]
    assert rows[0].entities["agency"] == "rd" and rows[0].answered and rows[0].confidence > 0.5


async def test_follow_greets_and_asks_agency_then_unfollow_unsubscribes(chat: Chat, seeded_sqlite) -> None:  # type: ignore[no-untyped-def]
    assert "หน่วยงานของท่านคือหน่วยงานใด" in await chat.event(Kind.FOLLOW)
    assert "บันทึกหน่วยงานของท่านแล้ว" in await chat.say("สำนักงานประกันสังคม")
    assert await chat.event(Kind.UNFOLLOW) == ""
    async with seeded_sqlite.session() as s:
        user = await s.scalar(select(ChatUser))
        assert user is not None and user.blocked and not user.subscribed


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "\x00\x07", "ก" * 10_000, "مرحبا", "ทดสอบ" * 3000])
async def test_garbage_never_crashes(chat: Chat, text: str) -> None:
    replies = await chat.bot.handle(__import__("ginbot.core.messages", fromlist=["IncomingMessage"]).IncomingMessage("line", "U9", text))
    assert replies and all(r.text for r in replies)


async def test_subscribe_after_ask_back_says_already_on(chat: Chat) -> None:
    await chat.say("ย้ายวันไหน")
    await chat.say("สพร")
    assert "เปิดการแจ้งเตือนไว้แล้ว" in await chat.say("สมัครรับการแจ้งเตือน")
    assert "ยกเลิกการแจ้งเตือนและประกาศให้แล้ว" in await chat.say("ยกเลิกการแจ้งเตือน")
    assert "ไม่ได้เปิดการแจ้งเตือนไว้" in await chat.say("ยกเลิกการแจ้งเตือน")
