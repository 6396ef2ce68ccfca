"""The durable inbox: a webhook event is stored before the platform gets its 200, then processed with a
lease and retries, like the outbox read in reverse.

- ``store`` inserts the raw events of a request (group-committed: requests arriving while one batch is
  written share the next INSERT) and returns once they are committed; only then does the route answer
  200. If the database cannot take them the route answers 503 and the platform delivers again. The
  ``(channel, event_key)`` unique key makes a redelivery a no-op: it is the one deduplication mechanism.
- ``Processor`` leases stored events (oldest first, only the earliest unfinished one per person, so a
  person's events never overtake each other; different people run in parallel), hands each to its
  channel's handler, and records the outcome: done, or pending again with exponential backoff, or failed
  after the last attempt. A lease that runs out (the process died) makes the event leasable again, so
  what was unfinished at a crash is picked up after the restart.
- Fresh events skip the processor's query: the transaction that stores them also leases those it may
  (room in the processor, no earlier unfinished event of the person), and after the commit they go to
  the processor in memory. The row is the same as a leased one, so a crash loses nothing; the processor's
  own query is then needed only for what this could not take (a person's next event, a retry, a backlog,
  events left by a crash), and it runs when such events may exist and on its poll.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ginbot.backoff import Backoff
from ginbot.channels.ordering import KeyedLocks, PersonLocks
from ginbot.db import inbox as queries
from ginbot.db.group_commit import GroupCommit
from ginbot.db.inbox import DONE, FAILED, PENDING, Leased, NewEvent, Outcome
from ginbot.db.models import utcnow
from ginbot.db.session import Database

log = logging.getLogger(__name__)

# Keys and person ids are platform strings; a hostile or buggy one must not break a batch (column size).
MAX_KEY_CHARS = 64
MAX_ERROR_CHARS = 500


def bounded(value: str, limit: int = MAX_KEY_CHARS) -> str:
    """``value`` itself when short and printable ASCII, else a fixed-length digest of it (still unique)."""
    if len(value) <= limit and value.isascii() and value.isprintable():
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[: limit - 7]


@dataclass(frozen=True)
class InboxConfig:
    # A leased event not finished within this long is taken to belong to a dead process and leased again.
    lease_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    # How often the processor looks for events due for a retry (new events wake it at once).
    poll_s: float = 0.5
    # Events handled at the same time (different people).
    concurrency: int = 64
    # Rows are kept this long after they arrive (platforms may redeliver), then pruned; older events are
    # refused, since their key may already be forgotten.
    keep: timedelta = timedelta(days=7)
    # A new event waits this long before it is handled, for an earlier message of the same person sent a
    # moment before to another replica (then answered first, in the platform's order). 0: handled at once,
    # in the order stored (one process receives everything).
    reorder_s: float = 0.0


# (event, final): final is True on the last attempt, when a handler should apologise rather than fail.
Handler = Callable[[Leased, bool], Awaitable[None]]


class Inbox:
    """Storing side: what the webhook routes call."""

    def __init__(self, db: Database, config: InboxConfig | None = None) -> None:
        self.db = db
        self.config = config or InboxConfig()
        self._group: GroupCommit[NewEvent, bool] = GroupCommit(self._write, name="inbox-store")
        self.stored = asyncio.Event()  # set when stored events wait for the processor's query
        self.last_stored_s = 0.0  # time.monotonic() of the last such store (held events are due after it)
        self.processor: Processor | None = None  # set by the Processor when it starts

    async def store(self, events: Sequence[NewEvent]) -> list[bool]:
        """Commit ``events``; per event, True when new (False: already stored, a redelivery).

        Raises whatever the database raised: the caller must then not acknowledge the events.
        """
        if not events:
            return []
        results = await asyncio.gather(*(self._group.submit(e) for e in events))
        return list(results)

    async def _write(self, events: list[NewEvent]) -> list[bool | BaseException]:
        taker = self.processor
        # Held events are not leased by the storing transaction: an earlier one may still be on its way.
        room = taker.reserve() if taker is not None and not self.config.reorder_s else 0
        leased: list[Leased] = []
        left: list[NewEvent] = []  # stored and not leased here: for the processor's query
        try:
            now = utcnow()
            async with self.db.session() as session:
                ids = await queries.store(session, events, now)
                fresh = [i for i in ids if i is not None]
                if room and fresh:
                    taken = await queries.lease_new(session, fresh[:room], now, self.config.lease_s)
                else:
                    taken = []
            leased = taken  # committed: only now may they be handled
            taken_ids = {e.id for e in leased}
            left = [e for e, i in zip(events, ids, strict=True) if i is not None and i not in taken_ids]
            return [i is not None for i in ids]
        except Exception as exc:
            if len(events) == 1:
                raise
            # One bad event must not cost the others their 200: store them one at a time, and only the
            # one that fails again gets the error (its webhook answers 503).
            log.warning("storing %d events in one batch failed (%r); storing them one by one", len(events), exc)
        finally:
            if taker is not None:
                taker.take(room, leased, left)
            if left:
                self.last_stored_s = time.monotonic()
                self.stored.set()
        results: list[bool | BaseException] = []
        for event in events:
            try:
                async with self.db.session() as session:
                    results += [i is not None for i in await queries.store(session, [event], utcnow())]
            except Exception as exc:
                results.append(exc)
        stored = [e for e, r in zip(events, results, strict=True) if r is True]
        if stored:
            if taker is not None:
                taker.take(0, [], stored)
            self.stored.set()
        return results

    async def prune(self) -> int:
        async with self.db.session() as session:
            return await queries.prune(session, utcnow() - self.config.keep)


class Processor:
    """Leases stored events and runs them through the handler registered for their channel."""

    def __init__(self, inbox: Inbox, locks: PersonLocks | None = None, rng: random.Random | None = None) -> None:
        self.inbox = inbox
        self.db = inbox.db
        self.config = inbox.config
        self._locks: PersonLocks = locks or KeyedLocks()
        self._rng = rng or random.Random()
        self._handlers: dict[str, Handler] = {}
        self._working: dict[int, asyncio.Task[None]] = {}
        self._finish: GroupCommit[Outcome, None] = GroupCommit(self._write_outcomes, name="inbox-finish")
        self._replying: GroupCommit[int, None] = GroupCommit(self._write_reply_marks, name="inbox-replying")
        self._loop_task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._closing = False
        self._reserved = 0  # room promised to a storing transaction under way
        # Events stored here that the storing transaction did not lease, by person: when one of these people's
        # events finishes, the next may be leasable, and only then is the lease query worth running.
        self._waiting: dict[tuple[str, str], int] = {}
        self.handled = 0  # events finished (done or failed) by this process; tests and benchmarks read it

    def register(self, channel: str, handler: Handler) -> None:
        self._handlers[channel] = handler

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name="inbox-processor")
        self.inbox.processor = self

    # --- fresh events, from the storing transaction -----------------------------------------------------

    def reserve(self) -> int:
        """Room for a storing transaction to lease its fresh events in; give it back with ``take``."""
        if self._closing or self._loop_task is None:
            return 0
        room = max(0, self.config.concurrency - len(self._working) - self._reserved)
        self._reserved += room
        return room

    def take(self, reserved: int, leased: Sequence[Leased], left: Sequence[NewEvent]) -> None:
        """After the storing transaction: handle what it leased (committed), note what it left pending."""
        self._reserved -= reserved
        for event in leased:
            self._start(event)
        for new in left:
            key = (new.channel, new.person)
            self._waiting[key] = self._waiting.get(key, 0) + 1

    async def close(self, grace_s: float) -> None:
        """Stop leasing, wait up to ``grace_s`` for events in progress, then cancel them (their leases run
        out and the next start handles them)."""
        self._closing = True
        if self.inbox.processor is self:
            self.inbox.processor = None
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        working = set(self._working.values())
        if working:
            _, pending = await asyncio.wait(working, timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("shutdown: %d inbox events still in progress were cancelled", len(pending))
                await asyncio.wait(pending)
        await self._locks.close()

    async def settled(self) -> None:
        """Return once nothing is in progress here and no stored event waits (pending, even for a later
        retry, or leased by a process that died); tests wait on this."""
        while True:
            while self._working:
                await asyncio.wait(set(self._working.values()))
            async with self.db.session() as session:
                waiting = await queries.waiting(session, utcnow())
            if not waiting and not self._working:
                return
            self._idle.clear()
            await self._idle.wait()  # the loop's next look at the inbox

    # --- the loop ---------------------------------------------------------------------------------------

    async def _run(self) -> None:
        wake = self.inbox.stored
        while not self._closing:
            wake.clear()
            room = self.config.concurrency - len(self._working) - self._reserved
            leased: list[Leased] = []
            if room > 0:
                try:
                    leased = await self._lease(room)
                except Exception:
                    log.exception("leasing inbox events failed; retrying in %.1f s", self.config.poll_s)
            for event in leased:
                self._seen(event)
                self._start(event)
            if leased and len(leased) == room:
                await asyncio.sleep(0)  # more may be waiting: lease again after the tasks start
                continue
            if not self._working:
                self._waiting.clear()  # nothing here holds anyone back: what is left is another process's
                self._idle.set()
            try:
                await asyncio.wait_for(wake.wait(), self._next_look_s())
            except TimeoutError:
                pass

    def _next_look_s(self) -> float:
        """The poll, or sooner: when events stored here are held for reordering, the moment they are due."""
        due_s = self.inbox.last_stored_s + self.config.reorder_s - time.monotonic()
        return min(self.config.poll_s, due_s + 0.005) if due_s > 0 else self.config.poll_s

    def _start(self, event: Leased) -> None:
        self._working[event.id] = asyncio.create_task(self._process(event), name=f"inbox-{event.id}")

    def _seen(self, event: Leased) -> None:
        key = (event.channel, event.person)
        left = self._waiting.get(key, 0) - 1
        if left > 0:
            self._waiting[key] = left
        else:
            self._waiting.pop(key, None)

    async def _lease(self, limit: int) -> list[Leased]:
        async with self.db.session() as session:
            return await queries.lease(
                session, utcnow(), self.config.lease_s, limit, skip=list(self._working), hold_s=self.config.reorder_s
            )

    async def _process(self, event: Leased) -> None:
        try:
            # The person's lock covers the outcome's write too: another replica that took this event over
            # (our lease ran out) waits here, then finds it finished and leaves it.
            async with self._locks.hold(f"{event.channel}:{event.person}"):
                if event.attempts > 1 and not await self._still_ours(event):
                    log.warning("inbox event %s was finished or taken over while waiting; left alone", event.id)
                    return
                outcome = await self._handle(event)
                try:
                    await self._finish.submit(outcome)
                except Exception:
                    # The lease runs out and the event is handled again: a retry, not a loss.
                    log.exception("recording the outcome of inbox event %s failed", event.id)
            if outcome.status != PENDING:
                self.handled += 1
        except Exception:
            # The person's lock could not be had (database gone): the lease runs out, the event is retried.
            log.exception("inbox event %s could not be handled", event.id)
        finally:
            self._working.pop(event.id, None)
            # An event the storing transaction left pending (this person's next one, or one that found no
            # room) may be leasable now; with none, the query would find nothing that the poll would not.
            if self._waiting:
                self.inbox.stored.set()

    async def _still_ours(self, event: Leased) -> bool:
        async with self.db.session() as session:
            return await queries.still_leased(session, event.id, event.attempts)

    async def _handle(self, event: Leased) -> Outcome:
        handler = self._handlers.get(event.channel)
        if handler is None:
            return self._failed(event, f"no handler for channel {event.channel!r}")
        try:
            # Within the lease, or another process could take the event while this one still works on it.
            async with asyncio.timeout(self.config.lease_s * 0.9):
                await handler(event, event.attempts >= self.config.max_attempts)
            return Outcome(event.id, DONE)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            if event.attempts >= self.config.max_attempts:
                log.error("inbox event %s (%s) failed for good after %d attempts: %s",
                          event.id, event.channel, event.attempts, problem)
                return self._failed(event, problem)
            # Half fixed, half random: a thousand events failed by one outage do not all come back at once.
            backoff = Backoff(first_s=self.config.backoff_base_s, max_s=self.config.backoff_max_s, jitter=0.5)
            delay = backoff.delay_s(event.attempts, self._rng)
            log.warning("inbox event %s (%s) attempt %d failed (%s); retrying in %.1f s",
                        event.id, event.channel, event.attempts, problem, delay)
            return Outcome(event.id, PENDING, utcnow() + timedelta(seconds=delay), problem)

    def _failed(self, event: Leased, problem: str) -> Outcome:
        return Outcome(event.id, FAILED, None, problem)

    async def reply_starting(self, event_id: int) -> None:
        """Record, durably, that a reply to this event is about to be sent (see InboxEvent.reply_started_at)."""
        await self._replying.submit(event_id)

    async def _write_reply_marks(self, ids: list[int]) -> list[None]:
        async with self.db.session() as session:
            await queries.mark_reply_started(session, ids, utcnow())
        return [None] * len(ids)

    async def _write_outcomes(self, outcomes: list[Outcome]) -> list[None]:
        async with self.db.session() as session:
            await queries.finish(session, outcomes, utcnow())
        return [None] * len(outcomes)
