"""The Telegram staff group as a forum: each conversation gets its own topic, staff answer by writing in
it, the answer reaches a Telegram official once; redelivered staff updates are not sent twice."""

from __future__ import annotations

from ginbot.core.content import Content
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.observability import metrics
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import telegram_group_update
from ginbot.testing.telegram_stub import TelegramStub
from tests.handoff.conftest import (
    STAFF_CHAT,
    STAFF_MEMBER,
    direct_rows,
    official_on_telegram,
    real_bot,
    staff_replies,
    staff_settings,
    staffed,
    telegram_says,
)

OFFICIAL = 5_550_001


async def test_forum_topic_per_conversation_and_a_telegram_official_answered_once(
    seeded: Database, line_stub: LineStub, telegram_stub: TelegramStub, nlu: Nlu, content: Content
) -> None:
    telegram_stub.forum_chats.add(str(STAFF_CHAT))
    opened_before = metrics.sample("ginbot_handoffs_opened_total", channel="telegram")
    closed_before = metrics.sample("ginbot_handoffs_closed_total", by="staff")
    async with staffed(staff_settings(line_stub, telegram_stub), seeded, real_bot(seeded, nlu, content)) as served:
        await official_on_telegram(served, OFFICIAL, "ขอคุยกับเจ้าหน้าที่ ไมค์ไม่ทำงาน")
        # A topic of its own, and the post inside it.
        ((thread_id, name),) = telegram_stub.topics.items()
        assert name.startswith("#")
        (post,) = telegram_stub.posts_to(STAFF_CHAT)
        assert post["message_thread_id"] == thread_id and "ไมค์ไม่ทำงาน" in post["text"] and "Telegram" in post["text"]
        assert metrics.sample("ginbot_handoffs_opened_total", channel="telegram") == opened_before + 1

        # Staff write in the topic without replying to anything.
        update = telegram_group_update(STAFF_CHAT, STAFF_MEMBER, "ลองเลือกไมค์ใหม่ในการตั้งค่าค่ะ", thread_id=thread_id)
        await telegram_says(served, update)
        await telegram_stub.wait_for("sendMessage", 3)  # the official's opening answer, the post, the reply
        await telegram_says(served, update)  # Telegram delivers the same update again
        assert await direct_rows(seeded) == 1

        await official_on_telegram(served, OFFICIAL, "ได้แล้วค่ะ")
        assert "ได้แล้วค่ะ" in telegram_stub.posts_to(STAFF_CHAT)[-1]["text"]
        assert telegram_stub.posts_to(STAFF_CHAT)[-1]["message_thread_id"] == thread_id

        await staff_replies(served, "/close", thread_id=thread_id)
        assert await direct_rows(seeded) == 2
        await official_on_telegram(served, OFFICIAL, "กรมสรรพากรย้ายวันไหน")

    texts = telegram_stub.texts_to(OFFICIAL)
    assert texts.count("เจ้าหน้าที่ สพร.: ลองเลือกไมค์ใหม่ในการตั้งค่าค่ะ") == 1
    assert any("เจ้าหน้าที่ปิดการสนทนาแล้ว" in t for t in texts)
    assert any("7 กรกฎาคม 2563" in t for t in texts)  # back with the bot
    assert "ได้แล้วค่ะ" not in " ".join(texts)  # the bot never answered the message meant for staff
    assert metrics.sample("ginbot_handoffs_closed_total", by="staff") == closed_before + 1
