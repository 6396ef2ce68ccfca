"""Per-person mutual exclusion: the small interface the inbox processor holds while it handles an event.

The inbox's lease query already hands out only the earliest unfinished event of each person, so events of
one person never overtake each other, even across processes. ``PersonLocks`` adds the in-process guarantee
for work that does not go through a lease (and is the seam for a shared implementation, such as a
PostgreSQL advisory lock, when several processes must exclude each other).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class PersonLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the lock of ``key`` for the duration of the ``async with``; waiters go first-in first-out."""
        ...


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
