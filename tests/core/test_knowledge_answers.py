"""Knowledge topics answered in a conversation: the topic's text, a way to a person, and the log."""

from __future__ import annotations

from sqlalchemy import select

from ginbot.db.models import MessageLog
from ginbot.db.session import Database
from tests.core.conftest import Chat


async def _last_log(db: Database) -> MessageLog:
    async with db.session() as s:
        row = (await s.scalars(select(MessageLog).order_by(MessageLog.id.desc()))).first()
    assert row is not None
    return row


async def test_a_specific_problem_gets_its_topic_not_the_checklist(chat: Chat, seeded_sqlite: Database) -> None:
    text = await chat.say("ไมค์ไม่ติด คนอื่นไม่ได้ยินเสียงเรา")
    assert text.startswith("ไมค์ไม่ติด\n")  # the topic's title first
    assert "Privacy & security > Microphone" in text
    assert "ลองตรวจสอบตามนี้ค่ะ" not in text  # cannot_join's generic checklist
    assert "ติดต่อเจ้าหน้าที่" in chat.buttons
    # The helpdesk's number as a phone button under the answer (issue 13's structured replies).
    assert any(b.uri == "tel:026126060" for r in chat.replies for b in r.buttons)
    row = await _last_log(seeded_sqlite)
    assert (row.topic, row.answered) == ("mic_not_working", True)


async def test_topic_answers_fill_the_helpdesk_links(chat: Chat) -> None:
    text = await chat.say("ห้องประชุมรองรับได้กี่คนคะ")
    assert text.startswith("รองรับได้กี่คน\n")
    assert "02-612-6060" in text and "{helpdesk_phone}" not in text


async def test_scripted_intents_still_answer_and_log_no_topic(chat: Chat, seeded_sqlite: Database) -> None:
    assert "กลุ่มที่" in await chat.say("กรมสรรพากรย้ายวันไหน")
    assert (await _last_log(seeded_sqlite)).topic is None
    assert "ลองตรวจสอบตามนี้ค่ะ" in await chat.say("เข้าประชุมไม่ได้")


async def test_a_topic_question_moves_on_from_an_ask_back(chat: Chat) -> None:
    await chat.say("ย้ายวันไหน")  # ginbot asks which agency
    text = await chat.say("แชร์หน้าจอยังไงคะ")
    assert text.startswith("แชร์หน้าจอ\n")
    assert "กลุ่มที่" in await chat.say("ปค. ย้ายวันไหน")


async def test_a_topics_links_become_link_buttons(chat: Chat) -> None:
    await chat.say("ค่าบริการเท่าไหร่คะ")
    (reply,) = chat.replies
    assert reply.text.startswith("ค่าใช้จ่าย\n")
    links = [b.value for b in reply.buttons if b.uri and b.uri.startswith("https://")]
    assert links == ["https://www.dga.or.th/our-services/digital-platform-services/gin-conference/"]
