"""PostgreSQL advisory locks, session-level, keyed by a 64-bit hash of a name (ginbot/channels/ordering.py).

Session-level, not ``pg_advisory_xact_lock``: a transaction-level lock would keep a pooled connection (and
an open transaction) for the whole of a conversation turn, and 64 turns at once would empty the pool the
turns themselves need. These live on one connection of the process's own (ginbot/db/dedicated.py) and are
released by ``unlock`` — or by the server, the moment that connection or its process dies.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_TRY_LOCK = text("SELECT pg_try_advisory_lock(CAST(:id AS bigint))")
_UNLOCK = text("SELECT pg_advisory_unlock(CAST(:id AS bigint))")
_HELD = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")


def lock_id(name: str) -> int:
    """A stable signed 64-bit id for ``name``; two names sharing one only makes them wait for each other."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()[:8], "big", signed=True)


async def try_lock(conn: AsyncConnection, id_: int) -> bool:
    """Take the lock if nobody (no other session) holds it; never waits."""
    return bool((await conn.execute(_TRY_LOCK, {"id": id_})).scalar_one())


async def unlock(conn: AsyncConnection, id_: int) -> bool:
    """Release the lock; False when this session did not hold it."""
    return bool((await conn.execute(_UNLOCK, {"id": id_})).scalar_one())


async def held_count(conn: AsyncConnection) -> int:
    """Advisory locks held in the whole database (tests check that none is left behind)."""
    return int((await conn.execute(_HELD)).scalar_one())
