"""One person at a time: both PersonLocks kinds (in memory; PostgreSQL advisory locks across processes),
and two inbox processors ("replicas") that both believe they hold one person's event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from ginbot.channels.inbox import Inbox, Processor
from ginbot.channels.ordering import AdvisoryLocks, KeyedLocks, PersonLocks, person_locks_for
from ginbot.db import advisory
from ginbot.db import inbox as queries
from ginbot.db.dedicated import DedicatedConnection
from ginbot.db.inbox import NewEvent, Outcome
from ginbot.db.models import InboxEvent, utcnow
from ginbot.db.session import Database
from ginbot.settings import load_settings
from ginbot.web.webhooks import POSTGRES_REORDER_S, inbox_config
from tests.channels.test_inbox import FAST, Recorder, event, statuses


@pytest.fixture
async def two_holders(db: Database) -> AsyncIterator[tuple[PersonLocks, PersonLocks]]:
    """Two lock handles as two replicas would have them: one object on SQLite (one process), two
    connections of their own on PostgreSQL."""
    if not db.url.startswith("postgresql"):
        locks = KeyedLocks()
        yield locks, locks
        return
    first, second = AdvisoryLocks(DedicatedConnection(db)), AdvisoryLocks(DedicatedConnection(db))
    yield first, second
    await first.close()
    await second.close()


async def until(condition: object, what: str) -> None:
    """Let the other tasks run until ``condition()`` holds; a ceiling, not a timing."""
    for _ in range(500):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_one_person_waits_for_their_own_turn_only(two_holders: tuple[PersonLocks, PersonLocks]) -> None:
    first, second = two_holders
    seen: list[str] = []
    release = asyncio.Event()

    async def turn(locks: PersonLocks, key: str, name: str, hold: bool = False) -> None:
        async with locks.hold(key):
            seen.append(f"{name} in")
            if hold:
                await release.wait()
            seen.append(f"{name} out")

    held = asyncio.create_task(turn(first, "line:A", "A1", hold=True))
    await until(lambda: seen == ["A1 in"], "the first turn started")
    waiting = asyncio.create_task(turn(second, "line:A", "A2"))
    # Someone else goes straight through while A's first turn is still going on.
    await turn(second, "line:B", "B")
    await until(lambda: "B out" in seen, "B finished")
    assert "A2 in" not in seen
    release.set()
    await asyncio.gather(held, waiting)
    assert seen == ["A1 in", "B in", "B out", "A1 out", "A2 in", "A2 out"]


async def test_a_turn_that_fails_or_is_cancelled_lets_the_person_go(two_holders: tuple[PersonLocks, PersonLocks]) -> None:
    first, second = two_holders
    with pytest.raises(RuntimeError):
        async with first.hold("line:A"):
            raise RuntimeError("the core broke")
    entered = asyncio.Event()

    async def stuck() -> None:
        async with first.hold("line:A"):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await entered.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with asyncio.timeout(30):  # a ceiling: a leaked lock would hang here
        async with second.hold("line:A"):
            pass


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_advisory_locks_leave_nothing_held_and_go_with_their_connection(db: Database) -> None:
    locks = person_locks_for(db)
    assert isinstance(locks, AdvisoryLocks)
    probe = DedicatedConnection(db)
    try:
        async with locks.hold("line:A"):
            assert await probe.run(advisory.held_count) == 1
        assert await probe.run(advisory.held_count) == 0
        # A process that dies mid-turn: its connection closes and the person is free for the others.
        entered = asyncio.Event()

        async def dies() -> None:
            async with locks.hold("line:A"):
                entered.set()
                await asyncio.Event().wait()

        task = asyncio.create_task(dies())
        await entered.wait()
        await locks.conn.close()
        assert await probe.run(lambda c: advisory.try_lock(c, advisory.lock_id("line:A")))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await probe.close()
        await locks.close()


def test_lock_ids_are_stable_and_distinct() -> None:
    assert advisory.lock_id("line:U1") == advisory.lock_id("line:U1")
    assert advisory.lock_id("line:U1") != advisory.lock_id("telegram:U1")
    assert -(2**63) <= advisory.lock_id("ไทย") < 2**63


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_replica_that_takes_over_a_stalled_turn_waits_and_does_not_redo_it(db: Database) -> None:
    """Replica 1 works on A's first event past its lease (a stall); replica 2 leases it again. Replica 2
    waits for A's lock, finds the event finished, and leaves it: each event handled once, in order."""
    engines = [Database(db.url), Database(db.url)]
    recorder = Recorder()
    stalled = asyncio.Event()
    recorder.gates["a1"] = stalled
    processors = []
    for engine in engines:
        processor = Processor(Inbox(engine, FAST), person_locks_for(engine))
        processor.register("line", recorder)
        processors.append(processor)
    try:
        await processors[0].inbox.store([event("a1", "A"), event("a2", "A")])
        processors[0].start()
        await until(lambda: recorder.finals == [("a1", False)], "replica 1 started a1")
        async with db.session() as session:  # its lease runs out (as after a long stall)
            await session.execute(
                update(InboxEvent).where(InboxEvent.event_key == "a1").values(lease_until=utcnow() - timedelta(seconds=1))
            )
        processors[1].start()
        locks = processors[1]._locks
        assert isinstance(locks, AdvisoryLocks)
        await until(lambda: locks.waits > 0, "replica 2 took a1 over and waits for A")
        stalled.set()
        for processor in processors:
            await processor.settled()
    finally:
        for processor in processors:
            await processor.close(1.0)
        for engine in engines:
            await engine.close()
    assert recorder.handled == ["a1", "a2"]
    assert [key for key, _ in recorder.finals] == ["a1", "a2"]
    assert (await statuses(db))["a1"][0] == "done"


def sent(key: str, sequence: int, person: str = "A") -> NewEvent:
    """An event the person sent as their ``sequence``-th (LINE's timestamp, Telegram's update_id)."""
    return NewEvent("line", key, person, f'{{"key": "{key}"}}', sequence)


async def test_the_persons_own_order_wins_over_the_order_stored(db: Database) -> None:
    """Message 2 reached its replica first and was stored first: message 1 is still answered first."""
    inbox = Inbox(db, FAST)
    await inbox.store([sent("second", 2), sent("other", 5, person="B")])
    await inbox.store([sent("first", 1)])
    recorder = Recorder()
    processor = Processor(inbox)
    processor.register("line", recorder)
    processor.start()
    try:
        await processor.settled()
    finally:
        await processor.close(1.0)
    assert [k for k in recorder.handled if k != "other"] == ["first", "second"]


async def test_a_new_event_is_held_for_a_moment_and_a_retry_is_not(db: Database) -> None:
    """Held: an earlier message of the same person may still be on its way to another replica."""
    inbox = Inbox(db, FAST)
    await inbox.store([sent("new", 1)])
    async with db.session() as session:
        assert await queries.lease(session, utcnow(), 60.0, 10, hold_s=60.0) == []
    async with db.session() as session:
        (leased,) = await queries.lease(session, utcnow(), 60.0, 10, hold_s=0.0)
        await queries.finish(session, [Outcome(leased.id, "pending", utcnow())], utcnow())
    async with db.session() as session:  # its retry is not held again
        assert [e.event_key for e in await queries.lease(session, utcnow(), 60.0, 10, hold_s=60.0)] == ["new"]


def test_replicas_wait_for_the_hold_by_default_on_postgresql_only() -> None:
    assert inbox_config(load_settings({})).reorder_s == 0.0
    pg = {"GINBOT_DATABASE_URL": "postgresql+asyncpg://ginbot@db/ginbot"}
    assert inbox_config(load_settings(pg)).reorder_s == POSTGRES_REORDER_S
    assert inbox_config(load_settings({**pg, "GINBOT_INBOX_REORDER_S": "0"})).reorder_s == 0.0
