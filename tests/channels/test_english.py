"""An English question on each channel is answered in English with English dates; Thai stays Thai."""

from __future__ import annotations

from ginbot.core.content import Content
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.fixtures import TELEGRAM_WEBHOOK_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_text_event, line_user_id
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import PUBLIC_URL, channel_settings, serve
from tests.channels.test_end_to_end import real_bot, say_on_line, say_on_telegram

QUESTION = "When does the Revenue Department move to v9?"
# data/agencies.csv: rd is in cohort 2, which moves on 2020-07-07 (v8 until 2020-07-06); today is 3 July.
ENGLISH_DATES = ("Tuesday 7 July 2020", "Monday 6 July 2020", "in 4 days")


def thai_letters(text: str) -> bool:
    return any("\u0e01" <= ch <= "\u0e4e" for ch in text)


async def test_line_answers_english_in_english(
    seeded: Database, line_stub: LineStub, nlu: Nlu, content: Content
) -> None:
    user = line_user_id(44)
    english, mixed = line_text_event(user, QUESTION), line_text_event(user, "กรมสรรพากร migrate วันไหน")
    async with serve(channel_settings(line_stub), seeded, real_bot(seeded, nlu, content)) as served:
        await say_on_line(served, english)
        await say_on_line(served, mixed)
    # The card (its altText is the dates in words) and the text, both English, as Thai renders them.
    card, answer = line_stub.reply_texts(english["replyToken"])
    assert all(words in answer for words in ENGLISH_DATES) and not thai_letters(answer)
    assert "Tuesday 7 July 2020" in card and "Monday 6 July 2020" in card and not thai_letters(card)
    card_th, thai = line_stub.reply_texts(mixed["replyToken"])
    assert "วันอังคารที่ 7 กรกฎาคม 2563" in thai and "วันอังคารที่ 7 กรกฎาคม 2563" in card_th


async def test_telegram_answers_english_in_english(
    seeded: Database, telegram_stub: TelegramStub, nlu: Nlu, content: Content
) -> None:
    settings = channel_settings(
        telegram=telegram_stub, GINBOT_PUBLIC_URL=PUBLIC_URL, GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET
    )
    chat = 4_040_404
    async with serve(settings, seeded, real_bot(seeded, nlu, content)) as served:
        await served.telegram_started()
        await say_on_telegram(served, chat, QUESTION)
    (answer,) = telegram_stub.texts_to(chat)
    assert all(words in answer for words in ENGLISH_DATES) and not thai_letters(answer)


async def test_web_chat_answers_english_in_english(seeded: Database, nlu: Nlu, content: Content) -> None:
    async with serve(channel_settings(), seeded, real_bot(seeded, nlu, content)) as served:
        resp = await served.client.post("/api/chat", json={"user": "visitor-en-1", "text": QUESTION})
        assert resp.status == 200
        (reply,) = (await resp.json())["replies"]
    assert all(words in reply["text"] for words in ENGLISH_DATES) and not thai_letters(reply["text"])
