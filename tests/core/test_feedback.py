"""👍/👎: the buttons under substantive answers, a tap stored on the answer it rates (both databases),
a 👎 on the review queue, and the hook a staff handoff can use."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ginbot.core import feedback
from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import IncomingMessage, QuickReply, Reply
from ginbot.core.turn import Outcome
from ginbot.core.understanding import NluUnderstanding, Understood
from ginbot.db.models import MessageLog
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.web.admin.stats import needs_review
from tests.core.conftest import Chat

RATE = ["👍 ตรงคำถาม", "👎 ไม่ตรงคำถาม"]


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("👍 ตรงคำถาม", 1), ("👎 ไม่ตรงคำถาม", -1), ("👍", 1), ("👍🏽", 1), (" 👎️ ", -1), ("👍👍", 1),
        ("👍👎", None), ("ดีมาก", None), ("", None), ("👍 แล้วกรมศุลกากรย้ายวันไหนคะ ขอด่วน", None),
    ],
)  # fmt: skip
def test_a_tap_is_told_from_a_message(text: str, rating: int | None) -> None:
    assert feedback.rating_of(text) == rating


def test_rating_buttons_go_under_the_last_message_only_when_there_is_room(content: Content) -> None:
    rate = content.buttons("rate")
    assert all(feedback.rating_of(b.text) for b in rate)  # a tap on either is read as a rating
    replies = feedback.with_rating_buttons([Reply("a"), Reply("b", (QuickReply("x", "x"),))], rate)
    assert [q.label for q in replies[-1].quick_replies] == ["x", *RATE] and replies[0].quick_replies == ()
    full = [Reply("c", tuple(QuickReply(str(i), str(i)) for i in range(12)))]
    assert feedback.with_rating_buttons(full, rate) == full


def test_english_rating_buttons_are_read_as_ratings_too(content: Content) -> None:
    rate = content.in_language("en").buttons("rate")
    assert [feedback.rating_of(b.text) for b in rate] == [1, -1]


@pytest.fixture
def bot_on(nlu: Nlu, content: Content):  # type: ignore[no-untyped-def]
    def make(db: Database) -> Bot:
        return Bot(db, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))

    return make


async def _rows(db: Database) -> list[MessageLog]:
    async with db.session() as s:
        return list((await s.scalars(select(MessageLog).order_by(MessageLog.id))).all())


async def test_thumbs_down_is_stored_on_the_answer_and_queued_for_review(seeded: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    bot = bot_on(seeded)
    seen: list[tuple[Understood | None, Outcome]] = []
    bot.observers.append(lambda _m, u, o, _s: seen.append((u, o)))
    chat = Chat(bot)
    await chat.say("ถอน v8 ยังไงครับ")
    assert chat.buttons[-2:] == RATE
    answer = (await _rows(seeded))[-1]
    assert answer.intent == "uninstall_v8" and answer.confidence >= 0.6 and answer.rating is None

    reply = await chat.say("👎 ไม่ตรงคำถาม")
    assert "ส่งให้เจ้าหน้าที่ทบทวนแล้ว" in reply and "ติดต่อเจ้าหน้าที่" in chat.buttons
    rows = await _rows(seeded)
    assert len(rows) == 1  # the tap is not logged as a question of its own
    assert rows[0].rating == -1 and rows[0].rated_at is not None
    # The hook for a staff handoff: the turn's outcome says what was rated, and how.
    assert seen[-1][1].feedback == -1 and seen[-1][1].rated_log_id == answer.id
    async with seeded.session() as s:
        queued = (await s.scalars(select(MessageLog.id).where(needs_review()))).all()
    assert queued == [answer.id]  # a confident answer rated wrong is on the unanswered page


async def test_thumbs_up_rates_the_latest_answer_and_keeps_it_off_the_queue(seeded: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(bot_on(seeded))
    await chat.say("ขอลิงก์โหลด v9")
    await chat.say("ทำไมต้องย้ายไป v9")
    assert "ขอบคุณสำหรับคะแนน" in await chat.say("👍 ตรงคำถาม")
    download, why = await _rows(seeded)
    assert (download.rating, why.rating) == (None, 1)
    async with seeded.session() as s:
        assert (await s.scalar(select(func.count()).select_from(MessageLog).where(needs_review()))) == 0
    await chat.say("👎")  # a change of mind replaces the rating
    assert (await _rows(seeded))[-1].rating == -1


async def test_small_talk_ask_backs_and_fallbacks_carry_no_rating_buttons(seeded_sqlite: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(bot_on(seeded_sqlite))
    for text in ("สวัสดีครับ", "ย้ายวันไหนครับ", "เงินเดือนออกวันไหน", "ขอบคุณค่ะ", "ติดตั้ง v9 ยังไง"):
        await chat.say(text)
        assert not set(RATE) & set(chat.buttons), text


async def test_a_tap_with_nothing_to_rate_stores_nothing(seeded_sqlite: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(bot_on(seeded_sqlite))
    assert "ขอบคุณสำหรับคะแนน" in await chat.say("👍")
    assert await _rows(seeded_sqlite) == []


async def test_a_person_rates_only_their_own_answers(seeded_sqlite: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    bot = bot_on(seeded_sqlite)
    await Chat(bot, user="A").say("ขอลิงก์โหลด v9")
    await bot.handle(IncomingMessage("line", "B", "👎"))
    assert [r.rating for r in await _rows(seeded_sqlite)] == [None]


async def test_a_knowledge_topic_answer_is_rated_and_counted_per_topic(seeded: Database, bot_on) -> None:  # type: ignore[no-untyped-def]
    from ginbot.web.admin import stats

    chat = Chat(bot_on(seeded))
    answer = await chat.say("แชร์หน้าจอยังไงคะ")
    assert answer.startswith("แชร์หน้าจอ") and chat.buttons[-2:] == RATE
    await chat.say("👎 ไม่ตรงคำถาม")
    (row,) = await _rows(seeded)
    assert (row.topic, row.rating) == ("share_screen", -1)
    async with seeded.session() as s:
        by_intent, by_topic = await stats.ratings(s)
    assert [(r.key, r.up, r.down) for r in by_topic] == [("share_screen", 0, 1)]
    assert by_intent == []  # a topic's rating is not counted again under the classifier's intent
