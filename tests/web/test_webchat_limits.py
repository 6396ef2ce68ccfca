"""The public web chat is limited: per client address and per visitor id, 429 before any database work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db import queries, retention
from ginbot.db.models import ChatUser, MessageLog, utcnow
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.settings import load_settings
from ginbot.web.app import create_app
from ginbot.web.ratelimit import Allowance, MemoryLimiter, try_take

ADDRESS_BURST = 20
ADDRESS_RATE_PER_MIN = 60


@pytest.fixture
async def client(seeded_sqlite: Database, nlu: Nlu, content: Content) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    settings = load_settings(
        {
            "GINBOT_RUN_SENDER": "false",
            "GINBOT_WEBCHAT_ADDRESS_BURST": str(ADDRESS_BURST),
            "GINBOT_WEBCHAT_ADDRESS_RATE_PER_MIN": str(ADDRESS_RATE_PER_MIN),
            "GINBOT_WEBCHAT_BURST": "3",
            "GINBOT_WEBCHAT_RATE_PER_MIN": "6",
        }
    )
    async with TestClient(TestServer(create_app(settings, db=seeded_sqlite, bot=bot))) as client:
        yield client


async def _count(db: Database, model: type[ChatUser] | type[MessageLog]) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_600_requests_at_once_from_one_address_mostly_get_429_and_the_database_barely_grows(
    client: TestClient, seeded_sqlite: Database  # type: ignore[type-arg]
) -> None:
    users_before = await _count(seeded_sqlite, ChatUser)
    started = time.monotonic()

    async def one(i: int) -> int:
        # A new visitor id every time: what a script filling the database would do.
        resp = await client.post("/api/chat", json={"user": f"flood-{i:06d}", "text": "สวัสดีค่ะ"})
        await resp.read()
        return resp.status

    statuses = await asyncio.gather(*(one(i) for i in range(600)))
    elapsed_s = time.monotonic() - started
    allowed = ADDRESS_BURST + int(elapsed_s * ADDRESS_RATE_PER_MIN / 60) + 1
    assert set(statuses) == {200, 429}
    assert statuses.count(200) <= allowed
    assert await _count(seeded_sqlite, ChatUser) - users_before <= allowed


async def test_a_refusal_says_when_to_retry_in_thai(client: TestClient) -> None:  # type: ignore[type-arg]
    statuses = []
    for _ in range(4):  # the visitor's burst is 3
        resp = await client.post("/api/chat", json={"user": "visitor-fast", "text": "สวัสดีค่ะ"})
        statuses.append(resp.status)
    assert statuses == [200, 200, 200, 429]
    assert int(resp.headers["Retry-After"]) >= 1
    body = await resp.json()
    assert "ส่งข้อความถี่เกินไป" in body["message"] and "วินาที" in body["message"]
    # Another visitor at the same address still gets through (the address allows more).
    other = await client.post("/api/chat", json={"user": "visitor-calm", "text": "สวัสดีค่ะ"})
    assert other.status == 200


@pytest.mark.parametrize("user", ["visitor-123\n", "visitor-123\nx", "ab", "a" * 65, "visitor 123"])
async def test_a_visitor_id_must_match_whole(client: TestClient, user: str) -> None:  # type: ignore[type-arg]
    resp = await client.post("/api/chat", json={"user": user, "text": "สวัสดีค่ะ"})
    assert resp.status == 400


def test_token_bucket_refills_at_its_rate() -> None:
    allowance = Allowance(rate_per_s=2.0, burst=2)
    tokens, wait = try_take(2.0, 0.0, 0.0, allowance)
    assert (tokens, wait) == (1.0, 0.0)
    tokens, wait = try_take(tokens, 0.0, 0.0, allowance)
    assert (tokens, wait) == (0.0, 0.0)
    assert try_take(tokens, 0.0, 0.0, allowance) == (0.0, 0.5)  # refused: one token in half a second
    assert try_take(tokens, 0.0, 0.5, allowance) == (0.0, 0.0)  # half a second later, allowed


async def test_the_limiter_forgets_idle_keys_so_new_keys_cannot_grow_it_forever() -> None:
    now = [0.0]
    limiter = MemoryLimiter(Allowance(rate_per_s=1.0, burst=1), max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        now[0] += 1.0  # each key's bucket is full again by the next one
        assert await limiter.check(f"k{i}") == 0.0
    assert len(limiter) <= 100


async def test_web_visitors_and_their_messages_expire_after_the_keep_window(seeded_sqlite: Database) -> None:
    now = utcnow()
    async with seeded_sqlite.session() as session:
        old = await queries.get_or_create_user(session, "web", "visitor-old")
        recent = await queries.get_or_create_user(session, "web", "visitor-recent")
        line = await queries.get_or_create_user(session, "line", "U" + "1" * 32)
        old.last_seen_at = line.last_seen_at = now - timedelta(days=40)
        recent.last_seen_at = now
        await session.flush()
        for user, age_days in ((old, 40), (recent, 40), (recent, 1), (line, 40)):
            at = now - timedelta(days=age_days)
            fields = {"text": "สวัสดี", "intent": "greet", "confidence": 1.0, "entities": {}, "answered": True}
            session.add(MessageLog(user_id=user.id, channel=user.channel, created_at=at, **fields))
    async with seeded_sqlite.session() as session:
        gone = await retention.expire_web_visitors(session, now - timedelta(days=30))
    assert (gone.visitors, gone.messages) == (1, 1)  # the old visitor (its message went with it), one old message
    async with seeded_sqlite.session() as session:
        people = set((await session.scalars(select(ChatUser.platform_user_id))).all())
        left = (await session.execute(select(MessageLog.channel, MessageLog.user_id))).all()
    assert people == {"visitor-recent", "U" + "1" * 32}
    assert sorted(channel for channel, _ in left) == ["line", "web"]
