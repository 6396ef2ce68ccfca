"""Shared rate limits (table rate_limits): each statement one atomic upsert, timed by the server's clock.

A row holds, for one limit (``telegram``, ``line``, ``telegram:chat:42``…), ``next_at``: the earliest
moment the next send may start. Every process asks the same row, so a limit means the whole deployment.
``statement_timestamp()`` is the one clock (the processes' clocks never meet); it is fixed for the
statement, so the RETURNING clause can tell whether this statement was the one that granted.

A missing row means "free": the first use inserts it, and ``prune`` deletes rows idle long enough that
their ``next_at`` is past anyway.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Take a slot only if it is due now (GCRA without reservation): a caller not granted is told how long to
# wait and asks again then. ``slack_s`` lets a caller that comes a little late keep the pace it missed
# (next_at moves on from where it was, not from now) without ever granting two slots closer than
# interval - slack: the most a 1-second window can hold is (1 + slack) / interval + 1.
_TAKE = text(
    """
    INSERT INTO rate_limits AS r (key, next_at, granted_at)
    VALUES (CAST(:key AS text), statement_timestamp() + make_interval(secs => CAST(:span_s AS float8)), statement_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        next_at = CASE WHEN r.next_at <= statement_timestamp()
            THEN greatest(r.next_at, statement_timestamp() - make_interval(secs => CAST(:slack_s AS float8)))
                 + make_interval(secs => CAST(:span_s AS float8))
            ELSE r.next_at END,
        granted_at = CASE WHEN r.next_at <= statement_timestamp() THEN statement_timestamp() ELSE r.granted_at END
    RETURNING granted_at = statement_timestamp(), extract(epoch FROM next_at - statement_timestamp())
    """
)

# Book the next slot of ``key`` whether or not it is due (messages to one chat keep their order); returns
# how long until the booked slot.
_RESERVE = text(
    """
    INSERT INTO rate_limits AS r (key, next_at, granted_at)
    VALUES (CAST(:key AS text), statement_timestamp() + make_interval(secs => CAST(:interval_s AS float8)), statement_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        next_at = greatest(r.next_at, statement_timestamp()) + make_interval(secs => CAST(:interval_s AS float8)),
        granted_at = statement_timestamp()
    RETURNING extract(epoch FROM next_at - statement_timestamp()) - CAST(:interval_s AS float8)
    """
)

_PAUSE = text(
    """
    INSERT INTO rate_limits AS r (key, next_at)
    VALUES (CAST(:key AS text), statement_timestamp() + make_interval(secs => CAST(:pause_s AS float8)))
    ON CONFLICT (key) DO UPDATE SET
        next_at = greatest(r.next_at, statement_timestamp() + make_interval(secs => CAST(:pause_s AS float8)))
    """
)

_PRUNE = text("DELETE FROM rate_limits WHERE next_at < statement_timestamp() - make_interval(secs => CAST(:idle_s AS float8))")


async def take(conn: AsyncConnection, key: str, interval_s: float, slack_s: float, count: int = 1) -> float:
    """0.0 when ``count`` sends on ``key`` may start, one every ``interval_s`` from now (the slots are
    taken: the next asker's come after them), else the seconds to wait."""
    params = {"key": key, "span_s": count * interval_s, "slack_s": slack_s}
    granted, wait_s = (await conn.execute(_TAKE, params)).one()
    return 0.0 if granted else max(float(wait_s), 0.0)


async def reserve(conn: AsyncConnection, key: str, interval_s: float) -> float:
    """Book the next slot of ``key``; the seconds until it starts (0.0: now)."""
    wait_s = (await conn.execute(_RESERVE, {"key": key, "interval_s": interval_s})).scalar_one()
    return max(float(wait_s), 0.0)


async def pause(conn: AsyncConnection, key: str, pause_s: float) -> None:
    """No slot of ``key`` for ``pause_s`` from now (a platform's 429 retry_after)."""
    await conn.execute(_PAUSE, {"key": key, "pause_s": pause_s})


async def prune(conn: AsyncConnection, idle_s: float) -> int:
    """Delete limits whose next slot has been free for ``idle_s``: the same as no row."""
    result = await conn.execute(_PRUNE, {"idle_s": idle_s})
    return int(getattr(result, "rowcount", 0) or 0)
