"""Fire-and-forget work that shutdown can still wait for.

The event loop keeps only weak references to tasks, so a task nobody holds may vanish mid-flight; this set
holds them (as aiogram's aiohttp webhook server does) and lets shutdown wait for them, then cancel what is
left after a grace period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class ShuttingDown(RuntimeError):
    """New work was offered after shutdown began."""


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str | None = None) -> asyncio.Task[None]:
        if self._closed:
            coro.close()
            raise ShuttingDown("not accepting new background work: shutting down")
        task = asyncio.create_task(self._logged(coro), name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def idle(self) -> None:
        """Return once no task is running (tasks spawned meanwhile are waited for too)."""
        while self._tasks:
            await self._idle.wait()

    async def close(self, grace_s: float) -> int:
        """Refuse new work, wait up to ``grace_s`` for running tasks, cancel the rest; returns how many."""
        self._closed = True
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "shutdown: cancelled %d background tasks still running after %.0f s", len(pending), grace_s
            )
            await asyncio.wait(pending)
        return len(pending)

    async def _logged(self, coro: Coroutine[Any, Any, None]) -> None:
        # Nobody awaits these tasks, so an exception would otherwise surface only as "never retrieved".
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task failed")

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
