"""The durable inbox: stored once, handled in order per person with retries, and picked up after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select, update

from ginbot.channels.inbox import Inbox, InboxConfig, Processor, bounded
from ginbot.db.inbox import Leased, NewEvent
from ginbot.db.models import InboxEvent, utcnow
from ginbot.db.session import Database

FAST = InboxConfig(backoff_base_s=0.01, backoff_max_s=0.02, poll_s=0.02, max_attempts=3)


def event(key: str, person: str = "A", channel: str = "line") -> NewEvent:
    return NewEvent(channel, key, person, f'{{"key": "{key}"}}')


class Recorder:
    """A channel handler that records what it handled and fails on request."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.finals: list[tuple[str, bool]] = []
        self.failures: dict[str, int] = {}  # key -> failures left
        self.gates: dict[str, asyncio.Event] = {}  # key -> wait for this before finishing
        self.progress = asyncio.Event()  # set whenever an attempt ends

    async def __call__(self, leased: Leased, final: bool) -> None:
        self.finals.append((leased.event_key, final))
        gate = self.gates.get(leased.event_key)
        if gate is not None:
            await gate.wait()
        try:
            if self.failures.get(leased.event_key, 0) > 0:
                self.failures[leased.event_key] -= 1
                raise RuntimeError("the core broke")
            self.handled.append(leased.event_key)
        finally:
            self.progress.set()


@asynccontextmanager
async def running(inbox: Inbox, recorder: Recorder) -> AsyncIterator[Processor]:
    processor = Processor(inbox)
    processor.register("line", recorder)
    processor.start()
    try:
        yield processor
    finally:
        await processor.close(1.0)


async def statuses(db: Database) -> dict[str, tuple[str, int]]:
    async with db.session() as session:
        rows = await session.execute(select(InboxEvent.event_key, InboxEvent.status, InboxEvent.attempts))
        return {key: (status, attempts) for key, status, attempts in rows}


async def test_an_event_is_stored_once_and_a_redelivery_is_not_new(db: Database) -> None:
    inbox = Inbox(db, FAST)
    assert await inbox.store([event("e1"), event("e1"), event("e2")]) == [True, False, True]
    assert await inbox.store([event("e1")]) == [False]
    assert await inbox.store([event("e1", channel="telegram")]) == [True]  # keys are per channel
    async with db.session() as session:
        assert len((await session.scalars(select(InboxEvent.id))).all()) == 3


async def test_a_long_or_odd_id_is_bounded_and_does_not_break_its_batch(db: Database) -> None:
    long_id = "x" * 100
    key = bounded(long_id)
    assert len(key) <= 64 and key != bounded("x" * 101)
    assert bounded("ok-id_1") == "ok-id_1" and bounded("ไทย") != "ไทย"
    inbox = Inbox(db, FAST)
    # The long one beside a normal one, in one INSERT: both are stored.
    assert await inbox.store([event(key), event("normal")]) == [True, True]


async def test_one_person_in_order_others_alongside_and_a_failure_is_retried_in_place(db: Database) -> None:
    inbox = Inbox(db, FAST)
    recorder = Recorder()
    recorder.failures["a1"] = 2  # A's first event fails twice, then works
    b_may_finish = asyncio.Event()
    recorder.gates["b1"] = b_may_finish
    await inbox.store([event("a1", "A"), event("a2", "A"), event("b1", "B"), event("b2", "B")])
    async with running(inbox, recorder) as processor:
        # A retried its first event twice and then did its second, while B's first was still held up.
        while recorder.handled[:2] != ["a1", "a2"]:
            await recorder.progress.wait()
            recorder.progress.clear()
        b_may_finish.set()
        await processor.settled()
    assert recorder.handled == ["a1", "a2", "b1", "b2"]
    assert [k for k, _ in recorder.finals if k.startswith("a")] == ["a1", "a1", "a1", "a2"]
    assert await statuses(db) == {"a1": ("done", 3), "a2": ("done", 1), "b1": ("done", 1), "b2": ("done", 1)}


async def test_after_the_last_attempt_an_event_fails_and_the_next_one_goes_ahead(db: Database) -> None:
    inbox = Inbox(db, FAST)
    recorder = Recorder()
    recorder.failures["a1"] = 99
    await inbox.store([event("a1"), event("a2")])
    async with running(inbox, recorder) as processor:
        await processor.settled()
    # The handler was told which attempt was its last (to apologise instead of failing silently).
    assert recorder.finals[:3] == [("a1", False), ("a1", False), ("a1", True)]
    assert recorder.handled == ["a2"]
    assert await statuses(db) == {"a1": ("failed", 3), "a2": ("done", 1)}


async def test_unfinished_events_are_picked_up_at_start_including_expired_leases(db: Database) -> None:
    inbox = Inbox(db, FAST)
    await inbox.store([event("pending"), event("crashed", "B"), event("live", "C")])
    # As a process that died left them: one leased long ago, one leased by a process that still runs.
    async with db.session() as session:
        for key, until in (("crashed", utcnow() - timedelta(seconds=1)), ("live", utcnow() + timedelta(hours=1))):
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_key == key)
                .values(status="working", lease_until=until, attempts=1)
            )
    recorder = Recorder()
    async with running(inbox, recorder) as processor:
        await processor.settled()
    assert sorted(recorder.handled) == ["crashed", "pending"]
    assert (await statuses(db))["crashed"] == ("done", 2)
    assert (await statuses(db))["live"] == ("working", 1)


async def test_finished_events_are_pruned_after_the_window(db: Database) -> None:
    inbox = Inbox(db, InboxConfig(keep=timedelta(seconds=-1), poll_s=0.02))
    recorder = Recorder()
    await inbox.store([event("old")])
    async with running(inbox, recorder) as processor:
        await processor.settled()
    await inbox.store([event("unfinished")])
    assert await inbox.prune() == 1  # the finished one only
    assert set(await statuses(db)) == {"unfinished"}


async def test_a_batch_that_fails_is_stored_one_event_at_a_time(db: Database) -> None:
    inbox = Inbox(db, FAST)
    good = event("good")
    # PostgreSQL refuses a NUL character in text; SQLite takes it. On PostgreSQL the batch both share fails.
    bad = NewEvent("line", "bad", "A", "nul \x00 inside")
    results = await asyncio.gather(inbox.store([good]), inbox.store([bad]), return_exceptions=True)
    assert results[0] == [True]  # stored, whatever happened to its neighbour
    stored = set(await statuses(db))
    assert "good" in stored
    if db.engine.dialect.name == "postgresql":
        assert isinstance(results[1], Exception) and "bad" not in stored


async def test_events_stored_while_running_are_handled_at_once_and_in_order_without_the_poll(db: Database) -> None:
    """The storing transaction leases fresh events and hands them over; a person's next event waits for the
    one before it and is taken as soon as that one finishes, not at the next poll (here half a minute)."""
    inbox = Inbox(db, InboxConfig(poll_s=30.0))
    recorder = Recorder()
    a1_may_finish = asyncio.Event()
    recorder.gates["a1"] = a1_may_finish
    async with running(inbox, recorder) as processor:
        await asyncio.sleep(0)  # the processor's first look at the (empty) inbox
        async with asyncio.timeout(10):  # a ceiling, far above the milliseconds this takes
            await inbox.store([event("a1", "A")])
            await inbox.store([event("a2", "A"), event("b1", "B")])
            while "b1" not in recorder.handled:
                await recorder.progress.wait()
                recorder.progress.clear()
            assert recorder.handled == ["b1"]  # A's second waits for A's first, held up
            assert (await statuses(db))["a2"] == ("pending", 0)
            a1_may_finish.set()
            while len(recorder.handled) < 3:
                await recorder.progress.wait()
                recorder.progress.clear()
    assert recorder.handled == ["b1", "a1", "a2"]
    assert processor.handled == 3
    assert await statuses(db) == {"a1": ("done", 1), "a2": ("done", 1), "b1": ("done", 1)}
