"""LineChannel's sending rules against the stub: retries keep their X-Line-Retry-Key, so nothing doubles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ginbot.backoff import Backoff
from ginbot.channels.line import LineChannel
from ginbot.channels.line_send import Answering
from ginbot.core.messages import Reply
from ginbot.db.session import Database
from ginbot.delivery.answers import MemoryAnswerQueue
from ginbot.testing.fixtures import LINE_ACCESS_TOKEN, LINE_CHANNEL_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_user_id
from tests.channels.conftest import RecordingBot

USER = line_user_id(7)


@pytest.fixture
async def line(sqlite_db: Database, line_stub: LineStub) -> AsyncIterator[LineChannel]:
    channel = LineChannel(
        channel_secret=LINE_CHANNEL_SECRET,
        access_token=LINE_ACCESS_TOKEN,
        api_base=line_stub.url,
        handler=RecordingBot(),
        request_timeout_s=0.3,
        push_backoff=Backoff(first_s=0.0, max_s=0.0),
    )
    await channel.start()
    yield channel
    await channel.close()


async def test_push_whose_answer_was_lost_is_retried_and_delivered_once(
    line: LineChannel, line_stub: LineStub
) -> None:
    line_stub.hang("push")  # LINE takes the push, but the answer never arrives: the SDK times out
    await line.send(USER, None, [Reply("แจ้งเตือน: ใช้ v8 ได้ถึงวันที่ 6 กรกฎาคม 2563")])
    line_stub.release()

    first, second = line_stub.calls("push")
    assert first.headers["X-Line-Retry-Key"] == second.headers["X-Line-Retry-Key"]
    assert second.status == 409 and line_stub.conflicts == 1
    assert line_stub.texts_to(USER) == ["แจ้งเตือน: ใช้ v8 ได้ถึงวันที่ 6 กรกฎาคม 2563"]


async def test_push_is_retried_on_server_errors_with_the_same_key(
    line: LineChannel, line_stub: LineStub
) -> None:
    line_stub.fail("push", 500, times=2)
    await line.send(USER, None, [Reply("สวัสดีค่ะ")])
    attempts = line_stub.calls("push")
    assert [a.status for a in attempts] == [500, 500, 200]
    assert len({a.headers["X-Line-Retry-Key"] for a in attempts}) == 1
    assert line_stub.texts_to(USER) == ["สวัสดีค่ะ"]


@pytest.mark.parametrize("status", [400, 403])
async def test_push_refused_for_good_is_not_retried(
    line: LineChannel, line_stub: LineStub, status: int
) -> None:
    line_stub.fail("push", status)
    await line.send(USER, None, [Reply("สวัสดีค่ะ")])
    assert [a.status for a in line_stub.calls("push")] == [status]
    assert line_stub.texts_to(USER) == []


async def test_monthly_quota_is_not_retried(line: LineChannel, line_stub: LineStub) -> None:
    line_stub.fail("push", 429, body={"message": "You have reached your monthly limit."})
    await line.send(USER, None, [Reply("สวัสดีค่ะ")])
    assert [a.status for a in line_stub.calls("push")] == [429]


async def test_reply_goes_first_and_only_the_overflow_is_pushed(
    line: LineChannel, line_stub: LineStub
) -> None:
    await line.send(USER, "token-1", [Reply(f"ข้อความ {i}") for i in range(7)])
    assert line_stub.reply_texts("token-1") == [f"ข้อความ {i}" for i in range(5)]
    assert line_stub.texts_to(USER) == ["ข้อความ 5", "ข้อความ 6"]


async def test_a_reply_that_timed_out_after_line_took_it_is_not_sent_again(
    line: LineChannel, line_stub: LineStub
) -> None:
    line_stub.hang("reply")  # LINE takes the reply, but its answer never comes back: the SDK times out
    answering = Answering(event_key="event-1", reply_token="token-hung")
    await line.deliver(USER, [Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563")], answering)
    line_stub.release()

    first, second = line_stub.calls("reply")
    assert first.accepted and second.status == 400  # the retry with the same token finds it spent
    assert line_stub.reply_texts() == ["กรมสรรพากรย้าย 7 กรกฎาคม 2563"]
    assert line_stub.calls("push") == []  # not sent a second way


async def test_an_event_retried_after_a_crash_does_not_reply_twice(line: LineChannel, line_stub: LineStub) -> None:
    # The process that first handled the event replied, then died before recording it.
    await line.deliver(USER, [Reply("สวัสดีค่ะ")], Answering(event_key="e", reply_token="token-2"))
    await line.deliver(USER, [Reply("สวัสดีค่ะ")], Answering(event_key="e", reply_token="token-2", maybe_replied=True))
    assert line_stub.reply_texts() == ["สวัสดีค่ะ"] and line_stub.calls("push") == []
    assert line.sender.replies_trusted_as_sent == 1


async def test_a_reply_begun_before_a_crash_is_retried_with_its_token_however_old(
    line: LineChannel, line_stub: LineStub
) -> None:
    await line.deliver(USER, [Reply("สวัสดีค่ะ")], Answering(event_key="e2", reply_token="token-3"))
    # Restarted long after: the token is too old to start a reply with, but this one had begun.
    late = Answering(event_key="e2", reply_token="token-3", token_live=False, maybe_replied=True)
    await line.deliver(USER, [Reply("สวัสดีค่ะ")], late)
    assert [r.status for r in line_stub.calls("reply")] == [200, 400]
    assert line_stub.calls("push") == []


async def test_pushes_for_one_event_reuse_their_keys_across_attempts(line: LineChannel, line_stub: LineStub) -> None:
    answering = Answering(event_key="event-9", reply_token=None)
    await line.deliver(USER, [Reply("หนึ่ง")], answering)
    await line.deliver(USER, [Reply("หนึ่ง")], answering)  # the same event handled again (after a crash)
    first, again = line_stub.calls("push")
    assert first.headers["X-Line-Retry-Key"] == again.headers["X-Line-Retry-Key"]
    assert again.status == 409 and line_stub.texts_to(USER) == ["หนึ่ง"]


async def test_pushes_that_keep_failing_go_to_the_answer_queue_under_the_same_key(
    line_stub: LineStub,
) -> None:
    queue = MemoryAnswerQueue()
    channel = LineChannel(
        channel_secret=LINE_CHANNEL_SECRET,
        access_token=LINE_ACCESS_TOKEN,
        api_base=line_stub.url,
        handler=RecordingBot(),
        request_timeout_s=0.3,
        push_backoff=Backoff(first_s=0.0, max_s=0.0),
        answers=queue,
    )
    await channel.start()
    try:
        line_stub.fail("push", 500, times=3)
        await channel.deliver(USER, [Reply("ติดตั้ง v9 ก่อนวันที่ 6 กรกฎาคม 2563")], Answering(event_key="ev"))
    finally:
        await channel.close()
    (channel_name, to, message), = queue.queued
    assert (channel_name, to, message.text) == ("line", USER, "ติดตั้ง v9 ก่อนวันที่ 6 กรกฎาคม 2563")
    assert {p.headers["X-Line-Retry-Key"] for p in line_stub.calls("push")} == {message.key}


async def test_a_redelivered_copy_read_while_the_original_waits_does_not_change_how_it_is_answered(
    line: LineChannel, line_stub: LineStub
) -> None:
    """process() reuses receive()'s reading of an event only for the very payload the inbox stored: here the
    original (live reply token) is stored, and the redelivered copy (read last, not stored) must not turn
    its answer into a push."""
    from ginbot.db.inbox import Leased
    from ginbot.db.models import utcnow
    from ginbot.testing.payloads import line_body, line_text_event

    original = line_text_event(USER, "กรมสรรพากรย้ายวันไหน")
    copy = {**original, "deliveryContext": {"isRedelivery": True}}
    body, copy_body = line_body(original), line_body(copy)
    (stored,) = line.receive(body.decode(), _signed(body))
    line.receive(copy_body.decode(), _signed(copy_body))  # a redelivery: the inbox keeps the first
    event = Leased(1, "line", stored.event_key, stored.person, stored.payload, 1, utcnow())
    await line.process(event, final=False)

    assert line_stub.reply_texts(original["replyToken"]) == ["ได้รับ: กรมสรรพากรย้ายวันไหน"]
    assert line_stub.calls("push") == []


def _signed(body: bytes) -> str:
    from ginbot.testing.payloads import line_signature

    return line_signature(LINE_CHANNEL_SECRET, body)
