"""Conversation modes through Bot.respond: asking for a person hands over at once, the bot stays quiet
while staff have the conversation, "จบการสนทนา" brings it back; office hours decide what the person is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select

from ginbot.core.clock import BANGKOK, Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.handoff import StaffEvent
from ginbot.core.messages import Channel, IncomingMessage
from ginbot.core.office_hours import OfficeHours
from ginbot.core.turn import Outcome
from ginbot.core.understanding import NluUnderstanding
from ginbot.db import handoffs
from ginbot.db.models import ConversationState, Handoff, HandoffMessage
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu

FRIDAY_NOON = datetime(2020, 7, 3, 12, 0, tzinfo=BANGKOK)
FRIDAY_EVENING = datetime(2020, 7, 3, 18, 0, tzinfo=BANGKOK)


@dataclass(frozen=True)
class FixedClock(Clock):
    moment: datetime = FRIDAY_NOON

    def now(self) -> datetime:
        return self.moment


class Person:
    def __init__(self, bot: Bot, user: str = "U1") -> None:
        self.bot, self.user = bot, user
        self.events: list[StaffEvent] = []
        bot.staff_listeners.append(self.events.extend)
        self.outcome = Outcome([])

    async def say(self, text: str) -> str:
        self.outcome = await self.bot.respond(IncomingMessage(Channel.LINE, self.user, text))
        return "\n".join(r.text for r in self.outcome.replies)

    @property
    def buttons(self) -> list[str]:
        return [q.label for r in self.outcome.replies for q in r.quick_replies]


def make_bot(db: Database, nlu: Nlu, content: Content, moment: datetime) -> Bot:
    hours = OfficeHours.from_text("08:30-16:30", [date(2020, 7, 6)])
    return Bot(db, NluUnderstanding(nlu), content, FixedClock(date(2020, 7, 3), BANGKOK, moment), office_hours=hours)


@pytest.fixture
def person(seeded: Database, nlu: Nlu, content: Content) -> Person:
    return Person(make_bot(seeded, nlu, content, FRIDAY_NOON))


async def test_asking_for_a_person_hands_over_at_once_and_the_bot_falls_silent(person: Person, seeded: Database) -> None:
    await person.say("ผมอยู่กรมสรรพากร")
    answer = await person.say("ขอคุยกับเจ้าหน้าที่หน่อยครับ")
    assert "เจ้าหน้าที่จะตอบในแชทนี้" in answer
    assert person.outcome.handoff and person.outcome.intent == "contact_staff"
    assert "จบการสนทนา" in person.buttons
    (opened,) = person.events
    assert opened.kind == "opened" and opened.agency == "กรมสรรพากร" and opened.text == "ขอคุยกับเจ้าหน้าที่หน่อยครับ"

    # A question the bot could answer now goes to staff, unanswered by the bot.
    assert await person.say("กรมสรรพากรย้ายวันไหน") == ""
    assert person.outcome.handoff
    assert [e.kind for e in person.events] == ["opened", "message"]

    async with seeded.session() as s:
        handoff = await s.scalar(select(Handoff))
        assert handoff is not None and handoff.status == "waiting" and handoff.agency_id == "rd"
        lines = [(m.sender, m.text) for m in await handoffs.transcript(s, handoff.id)]
    assert lines == [("official", "ขอคุยกับเจ้าหน้าที่หน่อยครับ"), ("official", "กรมสรรพากรย้ายวันไหน")]

    # The official ends it: told the bot is back, and the bot answers again.
    assert "ginbot กลับมาตอบคำถามแล้ว" in await person.say("จบการสนทนา")
    assert not person.outcome.handoff and person.events[-1].kind == "ended"
    assert "7 กรกฎาคม 2563" in await person.say("กรมสรรพากรย้ายวันไหน")
    async with seeded.session() as s:
        handoff = await s.scalar(select(Handoff))
        assert handoff is not None and handoff.status == "closed" and handoff.closed_by == "official"


async def test_outside_office_hours_says_when_staff_are_back_and_keeps_the_question(
    seeded: Database, nlu: Nlu, content: Content
) -> None:
    person = Person(make_bot(seeded, nlu, content, FRIDAY_EVENING))
    answer = await person.say("ขอคุยกับเจ้าหน้าที่")
    # Friday evening; the weekend and Monday's holiday are off: back on Tuesday morning.
    assert "นอกเวลาทำการ" in answer and "วันอังคารที่ 7 กรกฎาคม 2563 08:30 น." in answer
    assert person.outcome.handoff
    async with seeded.session() as s:
        assert (await s.scalar(select(Handoff.status))) == "waiting"


async def test_two_unanswered_messages_in_a_row_offer_a_person(person: Person) -> None:
    await person.say("ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง")
    assert "คุยกับเจ้าหน้าที่" not in person.buttons
    await person.say("ร้านกาแฟแถวนี้อร่อยไหม")
    assert person.outcome.intent == "fallback"
    assert "คุยกับเจ้าหน้าที่" in person.buttons
    # The offer's button opens a handoff even though the classifier may not call it contact_staff.
    await person.say("ขอคุยกับเจ้าหน้าที่")
    assert person.outcome.handoff


async def test_an_answered_question_resets_the_count(person: Person) -> None:
    await person.say("ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง")
    await person.say("กรมสรรพากรย้ายวันไหน")
    await person.say("ร้านกาแฟแถวนี้อร่อยไหม")
    assert "คุยกับเจ้าหน้าที่" not in person.buttons


async def test_asking_for_the_phone_number_gets_it_without_a_handoff(person: Person) -> None:
    assert "02-612-6060" in await person.say("ขอเบอร์เจ้าหน้าที่หน่อย")
    assert not person.outcome.handoff and "ติดต่อเจ้าหน้าที่" in person.buttons


async def test_the_mode_survives_a_restart(seeded: Database, nlu: Nlu, content: Content) -> None:
    await Person(make_bot(seeded, nlu, content, FRIDAY_NOON)).say("ขอคุยกับเจ้าหน้าที่")
    again = Person(make_bot(seeded, nlu, content, FRIDAY_NOON))  # a new process, same database
    assert await again.say("ยังรออยู่นะครับ") == "" and again.outcome.handoff
    async with seeded.session() as s:
        assert (await s.scalar(select(ConversationState.mode))) == "waiting"
        assert len((await s.scalars(select(HandoffMessage))).all()) == 2


async def test_forget_me_during_a_handoff_deletes_the_transcript(person: Person, seeded: Database) -> None:
    await person.say("ขอคุยกับเจ้าหน้าที่")
    assert "ยืนยัน" in await person.say("ลบข้อมูลของฉันทั้งหมด")
    assert "เรียบร้อยแล้ว" in await person.say("ยืนยันลบข้อมูล")
    async with seeded.session() as s:
        assert (await s.scalars(select(Handoff))).all() == []
        assert (await s.scalars(select(HandoffMessage))).all() == []


async def test_an_english_speaker_is_told_in_english_when_staff_are_back(
    seeded: Database, nlu: Nlu, content: Content
) -> None:
    person = Person(make_bot(seeded, nlu, content, FRIDAY_EVENING))
    answer = await person.say("Can I talk to a staff member please?")
    assert person.outcome.handoff
    assert "outside office hours" in answer and "on Tuesday 7 July 2020 at 08:30" in answer
    assert "ginbot is back" in await person.say("end chat")
