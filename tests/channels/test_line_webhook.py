"""LINE through its real webhook: signed bodies in, the real SDK talking to the recording LINE stub."""

from __future__ import annotations

import uuid

import pytest

from ginbot.core.messages import Channel, IncomingMessage, Kind, Reply
from ginbot.db.session import Database
from ginbot.testing.fixtures import LINE_CHANNEL_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import (
    line_body,
    line_follow_event,
    line_headers,
    line_postback_event,
    line_sticker_event,
    line_text_event,
    line_unfollow_event,
    line_user_id,
    new_event_id,
)
from tests.channels.conftest import BUTTONS, RecordingBot, channel_settings, count_rows, serve

USER = line_user_id(1)
QUESTION = "กรมสรรพากรย้ายวันไหน"


def signed(*events: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = line_body(*events)
    return body, line_headers(LINE_CHANNEL_SECRET, body)


async def test_signed_text_reaches_the_core_and_its_answer_comes_back_as_a_reply(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    event = line_text_event(USER, QUESTION)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        resp = await served.post("/line/webhook", *signed(event))
        assert resp.status == 200
        await served.settle()

    assert [(m.channel, m.user_id, m.text, m.kind) for m in bot.messages] == [
        (Channel.LINE, USER, QUESTION, Kind.TEXT)
    ]
    (reply,) = line_stub.calls("reply")
    assert reply.accepted and reply.body["replyToken"] == event["replyToken"]
    (message,) = reply.body["messages"]
    assert message["text"] == f"ได้รับ: {QUESTION}"
    items = message["quickReply"]["items"]
    assert [(i["action"]["label"], i["action"]["text"]) for i in items] == [
        (q.label, q.text) for q in BUTTONS
    ]
    assert line_stub.calls("push") == []


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 400), ("", 400), ("bm90IHRoZSBzaWduYXR1cmU=", 401)],
    ids=["missing", "empty", "forged"],
)
async def test_unsigned_or_forged_webhook_is_refused_and_changes_nothing(
    db: Database, line_stub: LineStub, bot: RecordingBot, signature: str | None, status: int
) -> None:
    body, headers = signed(line_text_event(USER, QUESTION), line_follow_event(line_user_id(2)))
    if signature is None:
        del headers["X-Line-Signature"]
    else:
        headers["X-Line-Signature"] = signature
    async with serve(channel_settings(line_stub), db, bot) as served:
        resp = await served.post("/line/webhook", body, headers)
        assert resp.status == status
        await served.settle()

    assert bot.messages == []
    assert line_stub.requests == []
    assert await count_rows(db) == {"inbox_events": 0, "chat_users": 0, "message_log": 0}


async def test_body_signed_with_another_secret_is_refused(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    body = line_body(line_text_event(USER, QUESTION))
    headers = line_headers("someone-elses-channel-secret", body)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        assert (await served.post("/line/webhook", body, headers)).status == 401
        await served.settle()
    assert bot.messages == [] and line_stub.requests == []


async def test_oversized_body_is_refused_with_413_before_anything_else(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    settings = channel_settings(line_stub, GINBOT_MAX_WEBHOOK_BODY_BYTES="2048")
    body, headers = signed(line_text_event(USER, "ก" * 3000))
    async with serve(settings, sqlite_db, bot) as served:
        declared = await served.post("/line/webhook", body, headers)

        async def stream():  # type: ignore[no-untyped-def]
            # Chunked, no Content-Length: the limit has to be enforced while reading.
            for i in range(0, len(body), 512):
                yield body[i : i + 512]

        streamed = await served.client.post("/line/webhook", data=stream(), headers=headers)
        await served.settle()

    assert declared.status == 413 and streamed.status == 413
    assert bot.messages == [] and line_stub.requests == []
    assert (await count_rows(sqlite_db))["inbox_events"] == 0


async def test_redelivered_event_is_answered_once(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    event_id = new_event_id()
    first = line_text_event(USER, QUESTION, webhook_event_id=event_id)
    again = line_text_event(USER, QUESTION, webhook_event_id=event_id, redelivery=True)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        for event in (first, again):
            assert (await served.post("/line/webhook", *signed(event))).status == 200
            await served.settle()

    assert bot.texts == [QUESTION]
    assert len(line_stub.calls("reply")) == 1 and line_stub.calls("push") == []


async def test_redelivery_after_a_restart_is_not_answered_again(db: Database, line_stub: LineStub) -> None:
    event_id = new_event_id()
    before, after = RecordingBot(), RecordingBot()
    async with serve(channel_settings(line_stub), db, before) as served:
        await served.post(
            "/line/webhook", *signed(line_text_event(USER, QUESTION, webhook_event_id=event_id))
        )
        await served.settle()
    # A new process on the same database: the memory of the first one is gone, the table is not.
    async with serve(channel_settings(line_stub), db, after) as served:
        redelivered = line_text_event(USER, QUESTION, webhook_event_id=event_id, redelivery=True)
        assert (await served.post("/line/webhook", *signed(redelivered))).status == 200
        await served.settle()

    assert before.texts == [QUESTION] and after.messages == []
    assert len(line_stub.calls("reply", accepted=True)) == 1


async def test_expired_reply_token_falls_back_to_exactly_one_push_with_a_retry_key(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    event = line_text_event(USER, QUESTION)
    line_stub.expire_reply_token(event["replyToken"])
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(event))
        await served.settle()

    (refused,) = line_stub.calls("reply")
    assert refused.status == 400
    (push,) = line_stub.calls("push")
    assert push.accepted and push.body["to"] == USER
    uuid.UUID(push.headers["X-Line-Retry-Key"])  # a real UUID, as LINE requires
    assert line_stub.texts_to(USER) == [f"ได้รับ: {QUESTION}"]


async def test_a_redelivered_event_is_answered_by_push_at_once(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    event = line_text_event(USER, QUESTION, redelivery=True)  # its reply token is dead
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(event))
        await served.settle()
    assert line_stub.calls("reply") == []  # not even tried
    assert line_stub.texts_to(USER) == [f"ได้รับ: {QUESTION}"]


async def test_long_answer_is_split_under_the_limits_and_overflows_into_pushes(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    paragraph = "กรุณาถอน AcuConference 8 ก่อนติดตั้ง AcuConference 9 ทุกเครื่อง " * 30  # ~1,900 units
    long_text = "\n\n".join([paragraph.strip()] * 7)  # ~13,600 units: more than two messages
    shorts = [*(f"ข้อ {i}" for i in range(4)), "จบ"]
    bot.answer = lambda m: [Reply(long_text), *(Reply(t) for t in shorts[:-1]), Reply("จบ", BUTTONS)]
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(line_text_event(USER, "วิธีติดตั้ง")))
        await served.settle()

    (reply,) = line_stub.calls("reply", accepted=True)
    pushes = line_stub.calls("push", accepted=True)
    sent = [m for r in (reply, *pushes) for m in r.body["messages"]]
    assert len(reply.body["messages"]) == 5 and all(1 <= len(p.body["messages"]) <= 5 for p in pushes)
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 5000 for m in sent)
    texts = [m["text"] for m in sent]
    pieces, rest = texts[: -len(shorts)], texts[-len(shorts) :]
    assert len(pieces) >= 3 and rest == shorts
    # Cut only between paragraphs: nothing lost, nothing reordered.
    assert "\n\n".join(pieces) == long_text
    assert "quickReply" in sent[-1] and all("quickReply" not in m for m in sent[:-1])
    # Separate pushes would need separate keys; one push here, and it has one.
    assert len({p.headers["X-Line-Retry-Key"] for p in pushes}) == len(pushes)


async def test_events_of_one_person_are_handled_in_order(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    texts = ["ย้ายวันไหน", "กรมสรรพากร", "ขอบคุณ"]
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(*(line_text_event(USER, t) for t in texts)))
        await served.settle()
    assert bot.texts == texts


async def test_follow_greets_and_unfollow_is_passed_on_without_an_answer(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    bot.answer = lambda m: [Reply("สวัสดีค่ะ หน่วยงานของท่านคือหน่วยงานใดคะ?")] if m.kind == Kind.FOLLOW else []
    follow = line_follow_event(USER)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(follow))
        await served.settle()
        await served.post("/line/webhook", *signed(line_unfollow_event(USER)))
        await served.settle()

    assert [m.kind for m in bot.messages] == [Kind.FOLLOW, Kind.UNFOLLOW]
    assert line_stub.reply_texts(follow["replyToken"]) == ["สวัสดีค่ะ หน่วยงานของท่านคือหน่วยงานใดคะ?"]
    assert len(line_stub.requests) == 1  # nothing is sent to someone who blocked the bot


async def test_postback_data_is_handled_as_text(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(line_postback_event(USER, "กลุ่ม 2 ย้ายวันไหน")))
        await served.settle()
    assert bot.messages == [IncomingMessage(Channel.LINE, USER, "กลุ่ม 2 ย้ายวันไหน", at=bot.messages[0].at)]
    assert line_stub.reply_texts() == ["ได้รับ: กลุ่ม 2 ย้ายวันไหน"]


async def test_sticker_gets_a_polite_request_to_type_without_bothering_the_core(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(line_sticker_event(USER)))
        await served.settle()
    assert bot.messages == []
    (text,) = line_stub.reply_texts()
    assert "กรุณาพิมพ์คำถาม" in text


async def test_standby_group_and_unknown_events_ask_nothing(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    standby = line_text_event(USER, QUESTION, mode="standby")
    group = line_text_event(
        USER, QUESTION, source={"type": "group", "groupId": "C" + "1" * 32, "userId": USER}
    )
    unknown = {**line_follow_event(USER), "type": "somethingNew"}
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        resp = await served.post("/line/webhook", *signed(standby, group, unknown))
        assert resp.status == 200
        await served.settle()
    assert bot.messages == [] and line_stub.requests == []


async def test_console_verify_request_with_no_events_gets_200(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        assert (await served.post("/line/webhook", *signed())).status == 200


async def test_signed_body_that_is_not_a_webhook_payload_is_a_400(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    body = b'{"destination": "U1"}'
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        resp = await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))
    assert resp.status == 400 and bot.messages == []


async def test_core_failure_is_retried_by_the_inbox_and_answered_once(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    bot.fail_next = 1
    fast_retry = {"GINBOT_INBOX_BACKOFF_BASE_S": "0.01", "GINBOT_INBOX_BACKOFF_MAX_S": "0.02"}
    async with serve(channel_settings(line_stub, **fast_retry), sqlite_db, bot) as served:
        resp = await served.post("/line/webhook", *signed(line_text_event(USER, QUESTION)))
        assert resp.status == 200
        await served.settle()

    assert bot.texts == [QUESTION, QUESTION]  # the failed attempt, then the retry
    assert line_stub.reply_texts() == [f"ได้รับ: {QUESTION}"]  # no apology while a retry may still answer


async def test_core_failing_every_attempt_ends_with_one_apology(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    bot.fail_next = 3
    settings = channel_settings(
        line_stub,
        GINBOT_INBOX_MAX_ATTEMPTS="3",
        GINBOT_INBOX_BACKOFF_BASE_S="0.01",
        GINBOT_INBOX_BACKOFF_MAX_S="0.02",
    )
    async with serve(settings, sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(line_text_event(USER, QUESTION)))
        await served.settle()

    assert bot.texts == [QUESTION] * 3
    (apology,) = line_stub.reply_texts()
    assert "ขออภัย" in apology


async def test_line_is_off_without_its_settings(sqlite_db: Database, bot: RecordingBot) -> None:
    async with serve(channel_settings(), sqlite_db, bot) as served:
        resp = await served.post("/line/webhook", *signed(line_text_event(USER, QUESTION)))
        health = await (await served.client.get("/healthz")).json()
    assert resp.status == 404
    assert health["channel_status"]["line"] == "off"
