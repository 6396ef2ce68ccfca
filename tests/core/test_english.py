"""Asked in English, answered in English: dates in the Common Era, buttons in English, the language
remembered for the next turn. A Thai message with English words in it stays Thai."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding, Understood
from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from tests.core.conftest import Chat


async def test_an_english_date_question_gets_an_english_answer_with_english_dates(chat: Chat) -> None:
    answer = await chat.say("When does the Revenue Department move to v9?")
    assert "Revenue Department" in answer and "cohort 2" in answer
    assert "Tuesday 7 July 2020" in answer and "in 4 days" in answer
    assert "Monday 6 July 2020" in answer
    assert not any("\u0e01" <= ch <= "\u0e4e" for ch in answer)


async def test_a_mixed_thai_message_is_answered_in_thai(chat: Chat) -> None:
    answer = await chat.say("กรมสรรพากร migrate วันไหน")
    assert "กรมสรรพากร" in answer and "วันอังคารที่ 7 กรกฎาคม 2563" in answer


async def test_asking_for_a_person_in_english(chat: Chat) -> None:
    answer = await chat.say("Can I talk to a person please?")
    assert "02-612-6060" in answer
    assert not any("\u0e01" <= ch <= "\u0e4e" for ch in answer)


async def test_buttons_and_ask_backs_follow_the_language(chat: Chat) -> None:
    answer = await chat.say("How do I install AcuConference 9?")
    assert "Which device" in answer
    assert chat.buttons == ["Windows", "Mac", "Android", "iPhone/iPad"]
    guide = await chat.say(chat.button_texts[2])
    assert "Installing AcuConference 9 on Android" in guide


async def test_the_last_language_is_kept_when_a_message_cannot_tell(chat: Chat, seeded_sqlite: Database) -> None:
    await chat.say("hello")
    # "v9" alone is neither Thai nor English: the conversation stays English.
    assert "Which device" in await chat.say("install v9")
    async with seeded_sqlite.session() as session:
        user = (await session.execute(select(ChatUser))).scalar_one()
        assert user.language == "en"
    # Switching to Thai switches the answers (and the remembered language) back.
    assert "วันจันทร์ที่ 6 กรกฎาคม 2563" in await chat.say("กรมสรรพากร v8 ใช้ได้ถึงวันไหนคะ")
    async with seeded_sqlite.session() as session:
        user = (await session.execute(select(ChatUser))).scalar_one()
        assert user.language == "th"


async def test_an_english_ask_back_for_the_agency_then_the_answer(chat: Chat) -> None:
    assert "Which agency" in await chat.say("until when can we use v8")
    answer = await chat.say("Customs Department")
    assert "Customs Department" in answer and "Monday 6 July 2020" in answer


def test_every_offered_intent_has_an_english_button() -> None:
    from ginbot.core.intents import INTENTS

    for intent in INTENTS:
        if intent.suggestion is not None:
            assert intent.suggestion_en is not None, intent.id
            assert len(intent.suggestion_en.label) <= 20 and not intent.suggestion_en.label.endswith("…"), intent.id


async def test_the_menu_and_did_you_mean_buttons_are_in_english(chat: Chat) -> None:
    await chat.say("hello")
    assert "Install v9" in chat.buttons and "Contact staff" in chat.buttons
    assert not any("\u0e01" <= ch <= "\u0e4e" for label in chat.buttons for ch in label)
    await chat.say("what's the weather tomorrow")
    assert chat.buttons and chat.buttons[-1] == "Contact staff"
    assert not any("\u0e01" <= ch <= "\u0e4e" for label in chat.buttons for ch in label)


async def test_a_knowledge_topic_asked_in_english_is_answered_from_its_en_block(chat: Chat) -> None:
    answer = await chat.say("how do I share my screen")
    assert answer.startswith("Share screen") and "Screen Recording" in answer
    assert not any("\u0e01" <= ch <= "\u0e4e" for ch in answer.split("\n", 2)[1])


async def test_a_topic_without_english_is_answered_in_thai_with_one_english_line(
    seeded_sqlite: Database, nlu: Nlu, content: Content
) -> None:
    class ThaiOnlyTopics:
        """The real NLU, with every topic's English block taken away."""

        def __init__(self) -> None:
            self.inner = NluUnderstanding(nlu)

        def understand(self, text: str) -> Understood:
            found = self.inner.understand(text)
            if found.topic is None:
                return found
            return replace(found, topic=replace(found.topic, title_en="", answer_en=""))

    bot = Bot(seeded_sqlite, ThaiOnlyTopics(), content, Clock(date(2020, 7, 3)))
    answer = await Chat(bot).say("how do I share my screen")
    assert answer.startswith("แชร์หน้าจอ")
    assert answer.splitlines()[-1] == '(This answer is only in Thai so far. Tap "Contact staff" for help in English.)'
