"""Per-person mutual exclusion: the small interface the inbox processor holds while it handles an event.

The inbox's lease query hands out only the earliest unfinished event of each person, so events of one
person never overtake each other, even across processes — as long as a lease outlives the work. It may
not: a replica that stalls (a long pause, a slow platform) past its lease sees its event leased again by
another, which then moves on to the person's next event while the first still works. ``PersonLocks``
closes that gap: a turn holds the person's lock, so the second replica waits until the first has really
finished. ``KeyedLocks`` does it in one process (SQLite); ``AdvisoryLocks`` across every process through
PostgreSQL advisory locks. Different people never wait for each other (a shared 64-bit hash aside).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from ginbot.backoff import Backoff
from ginbot.db import advisory
from ginbot.db.dedicated import DedicatedConnection
from ginbot.db.session import Database

log = logging.getLogger(__name__)

# Another replica holds the person: ask again soon (a turn takes tens of milliseconds), then less often.
RETRY = Backoff(first_s=0.01, max_s=0.2)


class PersonLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the lock of ``key`` for the duration of the ``async with``."""
        ...

    async def close(self) -> None: ...


class KeyedLocks:
    """In memory: one FIFO lock per key, dropped again once nobody holds or waits for it."""

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

    async def close(self) -> None:
        pass


class AdvisoryLocks:
    """Across processes: the key's PostgreSQL advisory lock, taken without blocking the shared connection.

    Waiters in this process queue in ``KeyedLocks`` first (first-in first-out, and a session-level advisory
    lock is re-entrant, so two holders here must never both ask the server); only the head of the queue
    asks PostgreSQL, polling ``pg_try_advisory_lock`` while another process holds the person.
    """

    def __init__(
        self, conn: DedicatedConnection, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        self.conn = conn
        self._local = KeyedLocks()
        self._sleep = sleep
        self.waits = 0  # times another process held the person (tests and the bench read it)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        id_ = advisory.lock_id(key)
        async with self._local.hold(key):
            attempt = 0
            while not await self.conn.run(lambda c: advisory.try_lock(c, id_)):
                attempt += 1
                self.waits += 1
                await self._sleep(RETRY.delay_s(attempt))
            generation = self.conn.generation
            try:
                yield
            finally:
                # Shielded: a cancelled turn must still let the person go, or they wait for our connection.
                await asyncio.shield(self._unlock(id_, generation))

    async def _unlock(self, id_: int, generation: int) -> None:
        if self.conn.generation != generation:
            return  # the connection was replaced: the server released its locks with it
        try:
            if not await self.conn.run(lambda c: advisory.unlock(c, id_)):
                log.warning("advisory lock %d was not held at unlock", id_)
        except Exception:
            # run() dropped the connection, and the server released its locks with it.
            log.warning("releasing advisory lock %d failed; its connection was closed instead", id_, exc_info=True)

    async def close(self) -> None:
        await self.conn.close()


def person_locks_for(db: Database) -> PersonLocks:
    """Across processes on PostgreSQL (replicas behind a load balancer); in memory on SQLite (one process)."""
    if db.url.startswith("postgresql"):
        return AdvisoryLocks(DedicatedConnection(db))
    return KeyedLocks()
