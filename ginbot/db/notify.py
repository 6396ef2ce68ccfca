"""PostgreSQL LISTEN/NOTIFY: one dedicated listening connection that comes back after it is lost, and a
NOTIFY sent through the pool. What a notification means is the caller's (ginbot.delivery.wakeups)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text

from ginbot.backoff import Backoff
from ginbot.db.session import Database

log = logging.getLogger(__name__)
# Reconnecting after the listening connection was lost: soon at first (a database restart), then at most
# every 30 s; polling covers the gap.
RECONNECT = Backoff(first_s=0.5, max_s=30.0, jitter=0.5)
CONNECT_TIMEOUT_S = 10.0


async def send_notification(db: Database, channel: str, payload: str) -> None:
    """``NOTIFY channel, payload`` in a transaction of its own (delivered when it commits)."""
    async with db.engine.begin() as conn:
        await conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


class Listener:
    """``LISTEN channel`` on a connection of its own, calling ``heard(payload)`` for each notification and
    ``on_connected()`` after every (re)connection (notifications sent while disconnected are lost)."""

    def __init__(
        self,
        db: Database,
        channel: str,
        heard: Callable[[str], None],
        *,
        on_connected: Callable[[], None] = lambda: None,
        backoff: Backoff = RECONNECT,
    ) -> None:
        self.db = db
        self.channel = channel
        self.heard = heard
        self.on_connected = on_connected
        self.backoff = backoff
        self.connected = False
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, *, wait_s: float = CONNECT_TIMEOUT_S) -> None:
        """Start listening in the background; wait up to ``wait_s`` for the first connection (an
        unreachable database does not hold up start-up: the loop keeps trying)."""
        self._task = asyncio.create_task(self._run(), name=f"listen-{self.channel}")
        try:
            await asyncio.wait_for(self._ready.wait(), wait_s)
        except TimeoutError:
            log.warning("not yet listening for %s; polling until the database answers", self.channel)

    async def _connect(self) -> asyncpg.Connection:
        # The engine's own translation of GINBOT_DATABASE_URL into asyncpg's arguments (host, ssl, …).
        args, kwargs = self.db.engine.dialect.create_connect_args(self.db.engine.url)
        kwargs.pop("prepared_statement_cache_size", None)
        kwargs.setdefault("timeout", CONNECT_TIMEOUT_S)
        conn: asyncpg.Connection = await asyncpg.connect(*args, **kwargs)
        return conn

    def _on_notification(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.heard(payload)

    def _on_termination(self, _conn: Any) -> None:
        self._lost.set()

    async def _run(self) -> None:
        attempt = 0
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                await conn.add_listener(self.channel, self._on_notification)
            except Exception as exc:  # refused, unreachable, closed under us: all mean "try again later"
                if conn is not None:
                    conn.terminate()
                attempt += 1
                delay_s = self.backoff.delay_s(attempt)
                log.warning("cannot listen for %s (%s); retrying in %.1f s", self.channel, exc, delay_s)
                await asyncio.sleep(delay_s)
                continue
            attempt = 0
            self._connection, self.connected = conn, True
            self._lost.clear()
            conn.add_termination_listener(self._on_termination)
            self._ready.set()
            self.on_connected()
            await self._watch(conn)
            self.connected = False
            self._connection = None
            log.warning("lost the connection listening for %s; reconnecting", self.channel)

    async def _watch(self, conn: asyncpg.Connection) -> None:
        """Until the connection is lost. asyncpg reports a closed socket through the termination listener;
        a connection that silently died (a firewall dropping it) is caught by a cheap query now and then."""
        while not self._lost.is_set():
            try:
                await asyncio.wait_for(self._lost.wait(), 30.0)
            except TimeoutError:
                try:
                    await conn.execute("SELECT 1", timeout=CONNECT_TIMEOUT_S)
                except Exception:
                    break
        conn.terminate()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection.close(), 5.0)
            except Exception:
                self._connection.terminate()
            self._connection = None
        self.connected = False
