"""One PostgreSQL connection a process keeps for itself: the shared rate limits and the advisory locks.

Both make many tiny statements (a rate-limit slot per message, a lock per conversation turn), so they run
in autocommit on a connection of their own: one round trip each, no pool checkout and pre-ping, and no
waiting for the WAL flush (``synchronous_commit = off``: losing the last few rate-limit updates in a
database crash costs nothing). Statements are taken in turn; each is short, none waits on the server.

The connection is not from the pool, so session state on it (advisory locks) never reaches another user;
if it breaks, the next statement opens a new one (and ``generation`` tells lock holders that the locks of
the old one are gone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ginbot.db.session import Database

T = TypeVar("T")


class DedicatedConnection:
    def __init__(self, db: Database, *, fast_commit: bool = True) -> None:
        self._db = db
        self._fast_commit = fast_commit
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self.generation = 0  # +1 per (re)connection: advisory locks do not survive a new connection

    async def run(self, statement: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``statement`` on the connection (opened on first use); a failure drops the connection, so
        the next call starts on a fresh one, and is raised."""
        async with self._turn:
            conn = self._conn or await self._open()
            try:
                return await statement(conn)
            except BaseException:
                # Its state is unknown (a cancelled statement may still run on the server): start afresh.
                await self._drop()
                raise

    async def _open(self) -> AsyncConnection:
        if self._engine is None:
            self._engine = self._db.unpooled_engine()
        conn = await self._engine.connect()
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if self._fast_commit:
            await conn.execute(text("SET synchronous_commit = off"))
        self._conn = conn
        self.generation += 1
        return conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await asyncio.shield(conn.close())
            except Exception:
                await conn.invalidate()

    async def close(self) -> None:
        async with self._turn:
            await self._drop()
            if self._engine is not None:
                await self._engine.dispose()
                self._engine = None
