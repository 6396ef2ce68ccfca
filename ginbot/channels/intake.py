"""Where every platform event enters ginbot: at most once, and one at a time per person.

Platforms redeliver (LINE after a timeout or with redelivery switched on, Telegram after any non-2xx), and a
restart forgets whatever was kept in memory, so "seen" is a row in ``processed_events`` claimed with one
atomic INSERT before the event is handled. A claim is released when handling fails, so a redelivery gets
another try; once the core has answered it stays, and a redelivery is dropped.

Events of one person are handled in arrival order: "กรมสรรพากร" must not overtake the question it answers.
The per-person lock is taken before the task's first await, and asyncio runs new tasks and wakes lock
waiters first-in first-out, so tasks created in arrival order run in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from ginbot.db import queries
from ginbot.db.group_commit import GroupCommit
from ginbot.db.models import utcnow
from ginbot.db.session import Database

log = logging.getLogger(__name__)

# LINE redelivers for about a day and Telegram keeps an update for 24 hours; a week is a wide margin, and
# Telegram may pick fresh random update ids after a week without updates, so older rows could even mislead.
PROCESSED_EVENT_MAX_AGE = timedelta(days=7)


class KeyedLocks:
    """One FIFO lock per key, dropped again once nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Claims:
    """Claims of one channel, group-committed: ids arriving while a claim is written share the next INSERT.

    One transaction per event would cap throughput at SQLite's commit rate; under load this turns N claims
    into one INSERT, and costs nothing extra when events come one at a time. A batch never holds the same
    id twice, so of a redelivery racing its original exactly one wins.
    """

    def __init__(self, db: Database, channel: str) -> None:
        self.db = db
        self.channel = channel
        self._group: GroupCommit[str, bool] = GroupCommit(self._write, name=f"claims-{channel}", key=lambda i: i)

    async def claim(self, event_id: str) -> bool:
        return await self._group.submit(event_id)

    async def _write(self, event_ids: list[str]) -> list[bool]:
        async with self.db.session() as session:
            new = await queries.claim_events(session, self.channel, event_ids)
        return [event_id in new for event_id in event_ids]


class Intake:
    def __init__(self, db: Database, channel: str) -> None:
        self.db = db
        self.channel = channel
        self._locks = KeyedLocks()
        self._claims = Claims(db, channel)

    async def run_once(self, event_id: str, person: str, work: Callable[[], Awaitable[None]]) -> bool:
        """Run ``work`` unless ``event_id`` was already handled; False for a duplicate.

        Must be the first thing a freshly created task awaits (see the module note on ordering).
        """
        async with self._locks.hold(person):
            if not await self._claims.claim(event_id):
                log.info("%s event %s was already handled; dropping the redelivery", self.channel, event_id)
                return False
            try:
                await work()
            except BaseException:
                # Shielded: a cancelled task (shutdown) must still free its claim for the redelivery.
                await asyncio.shield(self._release(event_id))
                raise
            return True

    async def _release(self, event_id: str) -> None:
        async with self.db.session() as session:
            await queries.release_event(session, self.channel, event_id)


async def prune_processed_events(db: Database, max_age: timedelta = PROCESSED_EVENT_MAX_AGE) -> int:
    """Delete event ids of every channel older than ``max_age``; returns how many went."""
    async with db.session() as session:
        return await queries.prune_processed_events(session, utcnow() - max_age)
