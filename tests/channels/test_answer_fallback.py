"""An answer LINE or Telegram would not take now reaches the person later, through the outbox, once."""

from __future__ import annotations

import json

from ginbot.core.messages import Button, Card, CardField, Reply
from ginbot.db.session import Database
from ginbot.delivery.answers import queued_answers
from ginbot.testing.fixtures import LINE_CHANNEL_SECRET, TELEGRAM_WEBHOOK_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import (
    line_body,
    line_headers,
    line_text_event,
    line_user_id,
    telegram_headers,
    telegram_text_update,
)
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import BUTTONS, PUBLIC_URL, RecordingBot, channel_settings, serve

USER = line_user_id(11)
CHAT = 5_550_011
QUESTION = "กรมสรรพากรย้ายวันไหน"
# The in-process sender, polling and retrying quickly.
SENDER = {
    "GINBOT_RUN_SENDER": "true",
    "GINBOT_SENDER_IDLE_POLL_S": "0.05",
    "GINBOT_SENDER_BACKOFF_BASE_S": "0.05",
    "GINBOT_SENDER_BACKOFF_MAX_S": "0.1",
}


async def test_a_push_that_fails_three_times_reaches_the_person_later_once(
    db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    # A redelivered event: its reply token is dead, so ginbot pushes straight away — and LINE fails 3 times.
    event = line_text_event(USER, QUESTION, redelivery=True)
    line_stub.fail("push", 500, times=3)
    body = line_body(event)
    async with serve(channel_settings(line_stub, **SENDER), db, bot) as served:
        resp = await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))
        assert resp.status == 200
        await served.settle()
        assert await queued_answers(db, "line") != []
        # Three failed pushes, then the outbox's own push (one recipient: a push, not a multicast).
        await line_stub.wait_for("push", count=4, timeout_s=30)

    assert line_stub.calls("reply") == []  # no live token: never tried
    assert [p.status for p in line_stub.calls("push")] == [500, 500, 500, 200]
    assert line_stub.texts_to(USER) == [f"ได้รับ: {QUESTION}"]  # once
    (later,) = line_stub.calls("push", accepted=True)
    # The outbox sent it under the key the pushes used: had LINE taken one of them, this would be a 409.
    assert later.headers["X-Line-Retry-Key"] == line_stub.calls("push")[0].headers["X-Line-Retry-Key"]
    assert await queued_answers(db, "line") == [(f"ได้รับ: {QUESTION}", "sent")]


async def test_a_card_answer_that_waits_in_the_outbox_keeps_its_card_buttons_and_quick_replies(
    db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    card = Card(
        "วันย้ายไป GIN Conference v9",
        "กรมสรรพากร",
        fields=(CardField("ย้ายไป v9", "วันอังคารที่ 7 กรกฎาคม 2563"),),
        buttons=(Button.message("วิธีติดตั้ง v9", "วิธีติดตั้ง v9"),),
    )
    call = Button.phone("โทรหาเจ้าหน้าที่", "02-612-6060")
    bot.answer = lambda m: [Reply("กรมสรรพากรย้ายวันที่ 7 กรกฎาคม 2563 ค่ะ", BUTTONS, buttons=(call,), card=card)]
    event = line_text_event(USER, QUESTION, redelivery=True)
    line_stub.fail("push", 500, times=3)
    body = line_body(event)
    async with serve(channel_settings(line_stub, **SENDER), db, bot) as served:
        assert (await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))).status == 200
        await served.settle()
        await line_stub.wait_for("push", count=4, timeout_s=30)

    (later,) = line_stub.calls("push", accepted=True)
    (message,) = later.body["messages"]  # the card, with the answer's text inside it
    assert message["type"] == "flex" and "วันอังคารที่ 7 กรกฎาคม 2563" in message["altText"]
    assert "กรมสรรพากรย้ายวันที่ 7 กรกฎาคม 2563 ค่ะ" in json.dumps(message["contents"]["body"], ensure_ascii=False)
    actions = [b["action"] for b in message["contents"]["footer"]["contents"]]
    assert [(a["type"], a["label"]) for a in actions] == [("message", "วิธีติดตั้ง v9"), ("uri", "โทรหาเจ้าหน้าที่")]
    assert actions[1]["uri"] == "tel:026126060"
    assert [i["action"]["label"] for i in message["quickReply"]["items"]] == [q.label for q in BUTTONS]
    assert later.headers["X-Line-Retry-Key"] == line_stub.calls("push")[0].headers["X-Line-Retry-Key"]


async def test_telegram_answer_that_cannot_be_sent_now_is_sent_later_once(
    db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    settings = channel_settings(
        telegram=telegram_stub,
        GINBOT_PUBLIC_URL=PUBLIC_URL,
        GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
        **SENDER,
    )
    bot.answer = lambda m: [Reply(f"ได้รับ: {m.text}")]  # no buttons: the outbox keeps text only
    async with serve(settings, db, bot) as served:
        await served.telegram_started()
        telegram_stub.fail("sendMessage", 502, times=2)  # Telegram's gateway is down for both attempts
        update = telegram_text_update(CHAT, QUESTION)
        headers = telegram_headers(TELEGRAM_WEBHOOK_SECRET)
        resp = await served.post("/telegram/webhook", json.dumps(update).encode(), headers)
        assert resp.status == 200
        await served.settle()
        await telegram_stub.wait_for("sendMessage", count=3, timeout_s=30)  # two failures, then the outbox
    assert telegram_stub.texts_to(CHAT) == [f"ได้รับ: {QUESTION}"]
    assert await queued_answers(db, "telegram") == [(f"ได้รับ: {QUESTION}", "sent")]


async def test_a_telegram_card_answer_that_waits_in_the_outbox_keeps_its_card_and_keyboard(
    db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    settings = channel_settings(
        telegram=telegram_stub,
        GINBOT_PUBLIC_URL=PUBLIC_URL,
        GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
        **SENDER,
    )
    card = Card("วันย้ายไป GIN Conference v9", "กรมสรรพากร", fields=(CardField("ย้ายไป v9", "วันอังคารที่ 7 กรกฎาคม 2563"),))
    bot.answer = lambda m: [Reply("ท่านอยู่กรมสรรพากรใช่ไหมคะ?", BUTTONS, card=card)]
    async with serve(settings, db, bot) as served:
        await served.telegram_started()
        telegram_stub.fail("sendMessage", 502, times=2)
        body = json.dumps(telegram_text_update(CHAT, QUESTION)).encode()
        assert (await served.post("/telegram/webhook", body, telegram_headers(TELEGRAM_WEBHOOK_SECRET))).status == 200
        await served.settle()
        await telegram_stub.wait_for("sendMessage", count=3, timeout_s=30)

    (later,) = telegram_stub.sent_messages(CHAT)
    assert later["parse_mode"] == "HTML" and later["text"].startswith("<b>วันย้ายไป GIN Conference v9</b>")
    assert "ย้ายไป v9: <b>วันอังคารที่ 7 กรกฎาคม 2563</b>" in later["text"]
    assert later["text"].count("ท่านอยู่กรมสรรพากรใช่ไหมคะ?") == 1
    keys = [b["text"] for row in later["reply_markup"]["inline_keyboard"] for b in row]
    assert keys == [q.label for q in BUTTONS]  # the question keeps its buttons
