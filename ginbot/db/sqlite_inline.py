"""SQLite on the event loop's own thread: aiosqlite's interface without its worker thread.

aiosqlite runs every call (each statement, each fetch, the commit) on a worker thread and hands the result
back through the loop. ginbot keeps one SQLite connection (see session.py), so under load that connection
was held for the whole round trip of every statement: a hop to the worker, a wait for the GIL, a hop back
and a wait for the loop's next turn. The webhook path, a few statements per message, spent most of its
time in those waits (bench/webhook.py, 32 in flight, same machine and load: 234 → 380 messages/s).

Here each call runs at once on the calling (loop) thread, so a transaction never yields to the loop
between its statements and holds the connection only for the CPU time it needs. What this costs, and why
it is acceptable for SQLite:

- A statement blocks the loop while it runs. On a local WAL file these are micro- to milliseconds; a long
  query (an import, a big admin report) already held the one connection, so webhooks waited for it either
  way; now requests that need no database wait too.
- Waiting for SQLite's file lock (another process writing) blocks the loop, up to the busy timeout. With
  SQLite ginbot runs as exactly one process (docs/operations.md), so the only other writers are one-off CLI
  commands. A deployment with several processes belongs on PostgreSQL, which this does not touch.
- ``asyncio.timeout`` cannot interrupt a statement that is running; SQLite's busy timeout bounds the wait.

Relies on aiosqlite's ``Connection._execute``/``_connect`` (pinned in requirements.lock; the test in
tests/db/test_sqlite_inline.py fails if a new aiosqlite stops calling through them).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs what is queued at once.

    SQLAlchemy's adapter puts work on that queue itself (setting ``isolation_level``)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is None:
                raise
            future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An ``aiosqlite.Connection`` whose calls run on the caller's thread; no worker thread is started."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connect_inline(database: str, **kwargs: Any) -> InlineConnection:
    """What ``aiosqlite.connect`` returns, inline; SQLAlchemy passes the arguments it computed from the URL."""
    return InlineConnection(lambda: sqlite3.connect(database, **kwargs))
