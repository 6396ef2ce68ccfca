"""Both send limiters through their one interface: in memory (one process) and shared through PostgreSQL.

No timing: the limits are minutes long and the sleeps are recorded, not slept. A recorded sleep that would
last longer than a few seconds stops the caller (``Stopped``): the test then knows how long it would wait.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from ginbot.db.dedicated import DedicatedConnection
from ginbot.db.session import Database
from ginbot.delivery.ratelimit import Limiter, RateLimiter
from ginbot.delivery.shared_limits import FAILURE_BACKOFF, SharedRateLimiter
from tests.conftest import create_pg_database, drop_pg_database

MINUTE_S = 60.0


class Stopped(Exception):
    """A caller was about to wait long: the test has seen enough."""


@dataclass
class Sleeps:
    """Records each sleep; advances a fake clock (the in-memory limiter's) by it; stops long ones."""

    t: float = 0.0
    waits: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.t

    async def sleep(self, s: float) -> None:
        self.waits.append(s)
        if s > 5.0:
            raise Stopped
        self.t += s

    def minutes(self) -> list[int]:
        return [round(w / MINUTE_S) for w in self.waits]


Make = Callable[[float, float, Sleeps], Awaitable[Limiter]]


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Make]:
    """Builds limiters of one kind; on PostgreSQL each one as if in a process of its own."""
    conns: list[DedicatedConnection] = []
    db: Database | None = None
    name = f"ginbot_t_{uuid.uuid4().hex[:10]}"
    if request.param == "postgres":
        template = request.getfixturevalue("pg_template")
        db = Database(await create_pg_database(name, template=template))

    async def build(rate_per_s: float, per_chat_interval_s: float, sleeps: Sleeps) -> Limiter:
        if db is None:
            return RateLimiter(rate_per_s, per_chat_interval_s, burst=1.0, clock=sleeps.clock, sleep=sleeps.sleep)
        conn = DedicatedConnection(db)
        conns.append(conn)
        return SharedRateLimiter(conn, "telegram", rate_per_s, per_chat_interval_s, sleep=sleeps.sleep)

    yield build
    for conn in conns:
        await conn.close()
    if db is not None:
        await db.close()
        await drop_pg_database(name)


ONE_PER_MINUTE = 1 / MINUTE_S


async def test_the_first_send_goes_at_once_the_next_waits_its_turn(make: Make) -> None:
    sleeps = Sleeps()
    limiter = await make(ONE_PER_MINUTE, 0.0, sleeps)
    await limiter.acquire()
    assert sleeps.waits == []
    with pytest.raises(Stopped):
        await limiter.acquire()
    assert sleeps.minutes() == [1]


async def test_messages_to_one_chat_are_spaced_and_other_chats_are_not(make: Make) -> None:
    sleeps = Sleeps()
    limiter = await make(1000.0, MINUTE_S, sleeps)  # the overall rate is not what is tested here
    await limiter.acquire("a")
    await limiter.acquire("b")
    assert [w for w in sleeps.waits if w > 1] == []
    with pytest.raises(Stopped):
        await limiter.acquire("a")
    assert [round(w / MINUTE_S) for w in sleeps.waits if w > 1] == [1]


async def test_a_pause_holds_every_send(make: Make) -> None:
    sleeps = Sleeps()
    limiter = await make(1000.0, 0.0, sleeps)
    await limiter.pause(3 * MINUTE_S)
    with pytest.raises(Stopped):
        await limiter.acquire("a")
    assert [round(w / MINUTE_S) for w in sleeps.waits if w > 1] == [3]


@pytest.mark.postgres
@pytest.mark.parametrize("make", ["postgres"], indirect=True)
async def test_shared_limit_means_every_process_together(make: Make) -> None:
    first_sleeps, second_sleeps = Sleeps(), Sleeps()
    first = await make(ONE_PER_MINUTE, MINUTE_S, first_sleeps)
    second = await make(ONE_PER_MINUTE, MINUTE_S, second_sleeps)
    await first.acquire("a")
    # The other process: the overall slot is gone, and so is chat a's.
    with pytest.raises(Stopped):
        await second.acquire("b")
    with pytest.raises(Stopped):
        await second.acquire("a")
    assert first_sleeps.waits == [] and second_sleeps.minutes() == [1, 1]


class SlowClock:
    """Each reading ``step_s`` later than the last: every grant comes back late."""

    def __init__(self, step_s: float) -> None:
        self.t, self.step_s = 0.0, step_s

    def __call__(self) -> float:
        self.t += self.step_s
        return self.t


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_grant_that_comes_back_late_is_not_used(db: Database) -> None:
    """A process that stalled between asking and hearing must not send on a slot others have moved past."""
    sleeps = Sleeps()
    conn = DedicatedConnection(db)
    limiter = SharedRateLimiter(
        conn, "telegram", ONE_PER_MINUTE, stale_s=0.25, clock=SlowClock(1.0), sleep=sleeps.sleep
    )
    try:
        with pytest.raises(Stopped):
            await limiter.acquire()
    finally:
        await conn.close()
    # The free slot was taken but dropped; the limiter then waits for the next one instead of sending.
    assert limiter.stale_grants == 1 and sleeps.minutes() == [1]


async def test_without_the_database_nothing_is_sent_and_it_asks_again(caplog: pytest.LogCaptureFixture) -> None:
    waits: list[float] = []

    async def stop_after_two(s: float) -> None:
        waits.append(s)
        if len(waits) == 2:
            raise Stopped

    nowhere = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    limiter = SharedRateLimiter(DedicatedConnection(nowhere), "telegram", 30.0, sleep=stop_after_two)
    try:
        with pytest.raises(Stopped):
            await limiter.acquire()
    finally:
        await nowhere.close()
    assert waits == [FAILURE_BACKOFF.delay_s(1), FAILURE_BACKOFF.delay_s(2)]
    assert "rate limit telegram: the database did not answer" in caplog.text


class ServerPacedSleeps(Sleeps):
    """Sleeps that also pass in real time: the shared limiter's slots are timed by PostgreSQL's clock, so a
    wait the server asked for must really elapse, or a fast server answers "not yet" again and again."""

    async def sleep(self, s: float) -> None:
        await super().sleep(s)
        await asyncio.sleep(s)


class CountingConnection(DedicatedConnection):
    """Counts the statements run on it."""

    runs = 0

    async def run(self, statement):  # type: ignore[no-untyped-def]
        self.runs += 1
        return await super().run(statement)


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_at_a_high_rate_waiting_senders_share_a_round_trip(db: Database) -> None:
    """1000/s: one round trip per message would be the limit, so the senders waiting take slots together."""
    sleeps = ServerPacedSleeps()
    conn = CountingConnection(db)
    limiter = SharedRateLimiter(conn, "telegram", 1000.0, clock=sleeps.clock, sleep=sleeps.sleep)
    try:
        await asyncio.gather(*(limiter.acquire() for _ in range(5)))
    finally:
        await conn.close()
    # Fewer statements than messages: the senders that queued behind the first were granted together…
    assert limiter.granted == 5 and conn.runs < 5
    # …and handed their slots one interval (about 1 ms: 1000/s less the headroom) apart, not all at once.
    assert limiter.interval_s == pytest.approx(1 / 950)
    assert [w for w in sleeps.waits if w == pytest.approx(limiter.interval_s)]
