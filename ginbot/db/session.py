"""The one engine and session factory; the one place that commits or rolls back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import PoolResetState, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from ginbot.db.sqlite_inline import connect_inline

if TYPE_CHECKING:
    from ginbot.settings import Settings

# SQLite allows one writer; waiting this long for the lock beats failing a chat turn under a burst.
SQLITE_BUSY_TIMEOUT_S = 30
# How long a health check waits for the database when no shorter limit was set.
DEFAULT_PING_TIMEOUT_S = 10.0


def serving_timeouts(url: str, connect_timeout_s: float, statement_timeout_s: float) -> dict[str, Any]:
    """Engine arguments that make a hung PostgreSQL fail fast instead of holding every request.

    asyncpg's ``timeout`` bounds connecting, ``command_timeout`` each statement on the client side, and the
    server's ``statement_timeout`` stops the work there too; ``pool_timeout`` bounds the wait for a pooled
    connection when all of them are stuck. SQLite is a local file: its busy timeout stays as it is.
    """
    if not url.startswith("postgresql"):
        return {}
    return {
        "pool_timeout": connect_timeout_s,
        "connect_args": {
            "timeout": connect_timeout_s,
            "command_timeout": statement_timeout_s,
            "server_settings": {"statement_timeout": str(int(statement_timeout_s * 1000))},
        },
    }


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        if ":memory:" not in url and "mode=memory" not in url:
            # One connection, taken in turn: SQLite has one writer anyway, and writers queued here start
            # the moment the connection is free, where writers on several connections sleep in SQLite's
            # busy handler (1, 2, 5, 10… ms) and each connection adds a thread. Group commit (group_commit.py)
            # then keeps that one connection busy with whole batches.
            kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs}
        # Reset on return is done by _rollback_if_open below instead.
        kwargs = {"pool_reset_on_return": None, **kwargs}
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

        @event.listens_for(engine.sync_engine, "do_connect")
        def _connect_inline(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            # Statements run on the loop's thread, not aiosqlite's worker (why, and what it costs: sqlite_inline.py).
            return dialect.loaded_dbapi.connect(*cargs, async_creator_fn=connect_inline, **cparams)

        @event.listens_for(engine.sync_engine, "reset")
        def _rollback_if_open(dbapi_conn: Any, _record: Any, state: PoolResetState) -> None:
            # The pool's own reset is an unconditional ROLLBACK: a round trip to aiosqlite's thread even
            # after a commit, when nothing is open. sqlite3 knows whether a transaction is open; ask it.
            if state.asyncio_safe and not state.terminate_only and dbapi_conn.driver_connection.in_transaction:
                dbapi_conn.rollback()

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or refuses ginbot; the message is meant for the operator."""


class Database:
    """Owns the engine; ``async with db.session() as s`` commits on success and rolls back on error."""

    def __init__(self, url: str, *, ping_timeout_s: float = DEFAULT_PING_TIMEOUT_S, **engine_kwargs: Any) -> None:
        self.url = url
        self.ping_timeout_s = ping_timeout_s
        self.engine = make_engine(url, **engine_kwargs)
        self._engine_kwargs = engine_kwargs
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_serving(cls, settings: Settings) -> Database:
        """The database of a long-running process (serve, worker): short connect and statement timeouts."""
        connect_s, statement_s = settings.database_connect_timeout_s, settings.database_statement_timeout_s
        return cls(
            settings.database_url,
            ping_timeout_s=connect_s + statement_s,
            **serving_timeouts(settings.database_url, connect_s, statement_s),
        )

    def unpooled_engine(self) -> AsyncEngine:
        """An engine without a pool, with this one's timeouts: for a connection held for a process's life
        (advisory locks, shared rate limits). Closing such a connection really closes it, so no session
        state (a held lock) is ever handed to another user of the pool."""
        kwargs = {k: v for k, v in self._engine_kwargs.items() if not k.startswith("pool_")}
        return create_async_engine(self.url, poolclass=NullPool, **kwargs)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def check(self) -> None:
        """One ``SELECT 1``; raises DatabaseUnavailable saying which database (password hidden) and why."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as exc:
            reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
            safe_url = make_url(self.url).render_as_string(hide_password=True)
            raise DatabaseUnavailable(f"cannot use the database {safe_url} (GINBOT_DATABASE_URL): {reason}") from exc

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self.ping_timeout_s):
                await self.check()
            return True
        except Exception:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
