from __future__ import annotations

from datetime import date

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import IncomingMessage, Kind
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.observability import metrics


async def test_a_handled_message_moves_the_counters(seeded_sqlite: Database, nlu: Nlu, content: Content) -> None:
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)), observers=[metrics.observe_turn])
    before = {
        "in": metrics.sample("ginbot_messages_received_total", channel="web"),
        "intent": metrics.sample("ginbot_intents_total", intent="migration_date"),
        "fallback": metrics.sample("ginbot_fallbacks_total", channel="web"),
        "latency": metrics.sample("ginbot_reply_latency_seconds_count", channel="web"),
    }
    await bot.handle(IncomingMessage("web", "metrics-user", "กรมสรรพากรย้ายวันไหน"))
    await bot.handle(IncomingMessage("web", "metrics-user", "ค่าโทรศัพท์เดือนนี้แพงมาก"))
    await bot.handle(IncomingMessage("web", "metrics-user", "", kind=Kind.FOLLOW))
    assert metrics.sample("ginbot_messages_received_total", channel="web") == before["in"] + 3
    assert metrics.sample("ginbot_intents_total", intent="migration_date") == before["intent"] + 1
    assert metrics.sample("ginbot_fallbacks_total", channel="web") == before["fallback"] + 1
    assert metrics.sample("ginbot_reply_latency_seconds_count", channel="web") == before["latency"] + 3


async def test_a_topic_answer_is_counted_per_topic_and_not_as_a_fallback(
    seeded_sqlite: Database, nlu: Nlu, content: Content
) -> None:
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)), observers=[metrics.observe_turn])
    topic_before = metrics.sample("ginbot_topic_answers_total", topic="share_screen")
    fallback_before = metrics.sample("ginbot_fallbacks_total", channel="web")
    replies = await bot.handle(IncomingMessage("web", "metrics-topic", "แชร์หน้าจอยังไงคะ"))
    assert replies[0].text.startswith("แชร์หน้าจอ\n")
    assert metrics.sample("ginbot_topic_answers_total", topic="share_screen") == topic_before + 1
    assert metrics.sample("ginbot_fallbacks_total", channel="web") == fallback_before


async def test_a_broken_observer_does_not_break_the_conversation(seeded_sqlite: Database, nlu: Nlu, content: Content) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("exporter down")

    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)), observers=[broken])
    replies = await bot.handle(IncomingMessage("web", "u-observer", "กรมสรรพากรย้ายวันไหน"))
    assert "7 กรกฎาคม 2563" in replies[0].text
