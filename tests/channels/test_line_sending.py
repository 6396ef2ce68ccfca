"""LineChannel's sending rules against the stub: retries keep their X-Line-Retry-Key, so nothing doubles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ginbot.backoff import Backoff
from ginbot.channels.intake import Intake
from ginbot.channels.line import LineChannel
from ginbot.core.messages import Reply
from ginbot.db.session import Database
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
        intake=Intake(sqlite_db, "line"),
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
