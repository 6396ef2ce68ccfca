"""The handoff end to end on the stubs: an official asks for a person, staff answer from the Telegram
staff group, the answer reaches the official's own channel once, and /close returns them to the bot."""

from __future__ import annotations

from ginbot.core.content import Content
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_text_event, line_user_id
from ginbot.testing.telegram_stub import TelegramStub
from tests.handoff.conftest import (
    OUTSIDER,
    STAFF_CHAT,
    direct_rows,
    line_says,
    real_bot,
    staff_replies,
    staff_settings,
    staffed,
)

STAFF_ANSWER = "สวัสดีค่ะ กรุณาแจ้งรหัสห้องประชุมที่เข้าไม่ได้ค่ะ"


async def test_line_official_is_answered_from_the_staff_group_once_and_closed_back_to_the_bot(
    seeded: Database, line_stub: LineStub, telegram_stub: TelegramStub, nlu: Nlu, content: Content
) -> None:
    official = line_user_id(15)
    async with staffed(staff_settings(line_stub, telegram_stub), seeded, real_bot(seeded, nlu, content)) as served:
        await line_says(served, line_text_event(official, "ผมอยู่กรมสรรพากร"))
        asking = line_text_event(official, "ขอคุยกับเจ้าหน้าที่ เข้าห้องประชุมไม่ได้")
        await line_says(served, asking)
        (told,) = line_stub.reply_texts(asking["replyToken"])
        assert "เจ้าหน้าที่" in told

        # The staff group sees the official's message, agency and channel.
        (post,) = telegram_stub.posts_to(STAFF_CHAT)
        assert "ขอคุยกับเจ้าหน้าที่ เข้าห้องประชุมไม่ได้" in post["text"]
        assert "กรมสรรพากร" in post["text"] and "LINE" in post["text"]

        # Someone in the group who is not staff answers: ignored, nothing queued for the official.
        await staff_replies(served, "ผมไม่ใช่เจ้าหน้าที่นะ", to_post=post, who=OUTSIDER)
        assert await direct_rows(seeded) == 0

        # A staff member replies to the post: one LINE push carrying it, with a retry key.
        await staff_replies(served, STAFF_ANSWER, to_post=post)
        (push,) = await line_stub.wait_for("push")
        assert push.body["to"] == official
        assert [m["text"] for m in push.body["messages"]] == [f"เจ้าหน้าที่ สพร.: {STAFF_ANSWER}"]
        assert push.headers.get("X-Line-Retry-Key")

        # The official's next message reaches the staff and is not answered by the bot.
        follow_up = line_text_event(official, "ห้อง 1234 ค่ะ กรมสรรพากรย้ายวันไหนด้วย")
        await line_says(served, follow_up)
        assert line_stub.reply_texts(follow_up["replyToken"]) == []
        relayed = telegram_stub.posts_to(STAFF_CHAT)[-1]
        assert "ห้อง 1234 ค่ะ" in relayed["text"]

        # /close as a reply to the relayed message: the official is told and is back with the bot.
        await staff_replies(served, "/close", to_post=relayed)
        pushes = await line_stub.wait_for("push", 2)
        assert "ginbot กลับมาตอบคำถามแล้ว" in pushes[-1].body["messages"][0]["text"]
        back = line_text_event(official, "กรมสรรพากรย้ายวันไหน")
        await line_says(served, back)
        card, answer = line_stub.reply_texts(back["replyToken"])  # the dates card (its altText), then the text
        assert "7 กรกฎาคม 2563" in answer and "7 กรกฎาคม 2563" in card

    assert line_stub.texts_to(official).count(f"เจ้าหน้าที่ สพร.: {STAFF_ANSWER}") == 1
    assert len(line_stub.calls("push")) == 2
