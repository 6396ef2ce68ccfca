"""LINE's loading animation: shown while a slow answer is being prepared, never for a quick one, and its
failure never costs the person their answer."""

from __future__ import annotations

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
from ginbot.testing.fixtures import LINE_CHANNEL_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_body, line_follow_event, line_headers, line_text_event, line_user_id
from tests.channels.conftest import RecordingBot, channel_settings, serve

USER = line_user_id(31)
QUESTION = "เข้าประชุมไม่ได้ค่ะ"


class SlowBot(RecordingBot):
    """Answers only once LINE has been asked for the loading animation: an answer that takes long."""

    def __init__(self, line_stub: LineStub) -> None:
        super().__init__()
        self.line_stub = line_stub

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        await self.line_stub.wait_for("loading")
        return await super().handle(message)


async def say(line_stub: LineStub, db: Database, bot: RecordingBot, *events: dict[str, object]) -> None:
    body = line_body(*events)
    async with serve(channel_settings(line_stub), db, bot) as served:
        assert (await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))).status == 200
        await served.settle()


async def test_a_slow_answer_shows_the_loading_animation_then_arrives(sqlite_db: Database, line_stub: LineStub) -> None:
    event = line_text_event(USER, QUESTION)
    await say(line_stub, sqlite_db, SlowBot(line_stub), event)

    (loading,) = line_stub.calls("loading")
    assert loading.accepted and loading.body == {"chatId": USER, "loadingSeconds": 20}
    (reply,) = line_stub.calls("reply", accepted=True)
    assert reply.received_at > loading.received_at
    assert line_stub.reply_texts(event["replyToken"]) == [f"ได้รับ: {QUESTION}"]


async def test_a_quick_answer_shows_no_animation(sqlite_db: Database, line_stub: LineStub, bot: RecordingBot) -> None:
    event = line_text_event(USER, QUESTION)
    await say(line_stub, sqlite_db, bot, event, line_follow_event(line_user_id(32)))
    assert line_stub.reply_texts(event["replyToken"]) == [f"ได้รับ: {QUESTION}"]
    assert line_stub.calls("loading") == []


async def test_an_animation_line_refuses_does_not_cost_the_answer(sqlite_db: Database, line_stub: LineStub) -> None:
    line_stub.fail("loading", 500)
    event = line_text_event(USER, QUESTION)
    await say(line_stub, sqlite_db, SlowBot(line_stub), event)
    assert [c.status for c in line_stub.calls("loading")] == [500]
    assert line_stub.reply_texts(event["replyToken"]) == [f"ได้รับ: {QUESTION}"]
