"""The webhooks answer 200 only for what the inbox stored: a database that is gone gets 503, not a lost event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from ginbot.db.models import InboxEvent
from ginbot.db.session import Database
from ginbot.testing.fixtures import LINE_CHANNEL_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_body, line_headers, line_text_event, line_user_id
from ginbot.web.webhooks import CHANNELS_KEY
from tests.channels.conftest import RecordingBot, channel_settings, count_rows, serve

USER = line_user_id(3)
QUESTION = "กรมสรรพากรย้ายวันไหน"
# Nothing listens on port 1: connecting is refused at once, as with a database server that is down.
GONE = "postgresql+asyncpg://postgres@127.0.0.1:1/test"


def signed(*events: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = line_body(*events)
    return body, line_headers(LINE_CHANNEL_SECRET, body)


async def test_database_gone_answers_503_and_the_redelivery_is_answered_once_it_returns(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    event = line_text_event(USER, QUESTION)
    gone = Database(GONE)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        inbox = served.app[CHANNELS_KEY].inbox
        assert inbox is not None
        inbox.db = gone
        refused = await served.post("/line/webhook", *signed(event))
        assert refused.status == 503 and refused.headers["Retry-After"].isdigit()
        inbox.db = sqlite_db  # the database is back; LINE delivers the same event again
        redelivered = await served.post("/line/webhook", *signed({**event, "deliveryContext": {"isRedelivery": True}}))
        assert redelivered.status == 200
        await served.settle()
    await gone.close()
    assert bot.texts == [QUESTION]
    # The redelivery's reply token is dead: answered by push, once.
    assert line_stub.texts_to(USER) == [f"ได้รับ: {QUESTION}"] and line_stub.calls("reply") == []
    assert (await count_rows(sqlite_db))["inbox_events"] == 1


async def test_a_reply_is_recorded_as_started_before_it_is_sent(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        await served.post("/line/webhook", *signed(line_text_event(USER, QUESTION)))
        await served.settle()
    async with sqlite_db.session() as session:
        started = (await session.scalars(select(InboxEvent.reply_started_at))).all()
    assert len(started) == 1 and started[0] is not None
    assert len(line_stub.calls("reply", accepted=True)) == 1


async def test_event_older_than_the_dedupe_window_is_not_stored_or_answered(
    sqlite_db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    eight_days_ago_ms = int((time.time() - 8 * 86400) * 1000)
    old = line_text_event(USER, "ย้อนหลัง", timestamp_ms=eight_days_ago_ms)
    fresh = line_text_event(USER, QUESTION)
    async with serve(channel_settings(line_stub), sqlite_db, bot) as served:
        assert (await served.post("/line/webhook", *signed(old, fresh))).status == 200
        await served.settle()
    assert bot.texts == [QUESTION]
    assert (await count_rows(sqlite_db))["inbox_events"] == 1


async def test_a_100_character_event_id_is_stored_and_answered_beside_others(
    db: Database, line_stub: LineStub, bot: RecordingBot
) -> None:
    events = [
        line_text_event(USER, "หนึ่ง", webhook_event_id="A" * 100),
        line_text_event(line_user_id(4), "สอง"),
    ]
    async with serve(channel_settings(line_stub), db, bot) as served:
        assert (await served.post("/line/webhook", *signed(*events))).status == 200
        await served.settle()
    assert sorted(bot.texts) == ["สอง", "หนึ่ง"]


@pytest.fixture
async def hung_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers: a database that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()


async def test_healthz_fails_fast_when_the_database_hangs(hung_server: int) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from ginbot.settings import load_settings
    from ginbot.web.app import create_app

    settings = load_settings(
        {
            "GINBOT_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{hung_server}/test",
            "GINBOT_DATABASE_CONNECT_TIMEOUT_S": "0.5",
            "GINBOT_DATABASE_STATEMENT_TIMEOUT_S": "0.5",
            "GINBOT_RUN_SENDER": "false",
        }
    )
    app = create_app(settings, bot=RecordingBot())
    async with TestClient(TestServer(app)) as client:
        started = time.monotonic()
        resp = await client.get("/healthz")
        body = await resp.json()
        elapsed_s = time.monotonic() - started
    assert resp.status == 503 and body["database"] is False
    assert elapsed_s < 5  # the default would wait a minute or more
