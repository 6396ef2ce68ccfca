"""The shared rate-limit statements on the real PostgreSQL: who is granted, how long the others wait.

Intervals are minutes long, so the few milliseconds between two statements never change an answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ginbot.db import rate_limits
from ginbot.db.dedicated import DedicatedConnection
from ginbot.db.session import Database

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db", ["postgres"], indirect=True)]
MINUTE_S = 60.0


@pytest.fixture
async def conn(db: Database) -> AsyncIterator[DedicatedConnection]:
    dedicated = DedicatedConnection(db)
    yield dedicated
    await dedicated.close()


# Each step: (operation, key, seconds) -> the wait answered, in minutes (rounded); 0 = granted now.
@pytest.mark.parametrize(
    ("steps", "waits_min"),
    [
        # A free limit grants once; the next asker waits one interval, and asking again books nothing.
        ([("take", "tg", 1), ("take", "tg", 1), ("take", "tg", 1)], [0, 1, 1]),
        # Limits are independent.
        ([("take", "tg", 1), ("take", "line", 1)], [0, 0]),
        # A chat reserves in turn: each message its own slot, one interval after the last.
        ([("reserve", "c1", 1), ("reserve", "c1", 1), ("reserve", "c1", 1), ("reserve", "c2", 1)], [0, 1, 2, 0]),
        # A pause holds a limit, whether or not it was ever used; a shorter pause does not shorten it.
        ([("pause", "tg", 3), ("take", "tg", 1)], [None, 3]),
        ([("take", "tg", 1), ("pause", "tg", 5), ("pause", "tg", 2), ("take", "tg", 1)], [0, None, None, 5]),
    ],
)
async def test_statements(conn: DedicatedConnection, steps: list[tuple[str, str, int]], waits_min: list[int | None]) -> None:
    answers: list[int | None] = []
    for op, key, minutes in steps:
        seconds = minutes * MINUTE_S
        if op == "take":
            wait_s = await conn.run(lambda c, k=key, s=seconds: rate_limits.take(c, k, s, 0.0))
        elif op == "reserve":
            wait_s = await conn.run(lambda c, k=key, s=seconds: rate_limits.reserve(c, k, s))
        else:
            await conn.run(lambda c, k=key, s=seconds: rate_limits.pause(c, k, s))
            answers.append(None)
            continue
        answers.append(round(wait_s / MINUTE_S))
    assert answers == waits_min


async def test_two_processes_share_one_limit(db: Database) -> None:
    first, second = DedicatedConnection(db), DedicatedConnection(db)
    try:
        assert await first.run(lambda c: rate_limits.take(c, "tg", MINUTE_S, 0.0)) == 0.0
        assert round(await second.run(lambda c: rate_limits.take(c, "tg", MINUTE_S, 0.0))) == MINUTE_S
    finally:
        await first.close()
        await second.close()


async def test_pruning_forgets_only_idle_limits(conn: DedicatedConnection) -> None:
    await conn.run(lambda c: rate_limits.take(c, "busy", MINUTE_S, 0.0))
    await conn.run(lambda c: rate_limits.take(c, "idle", 0.001, 0.0))
    # Idle for "minus a minute": everything whose next slot is already free counts as idle.
    assert await conn.run(lambda c: rate_limits.prune(c, -MINUTE_S / 2)) == 1
    assert round(await conn.run(lambda c: rate_limits.take(c, "busy", MINUTE_S, 0.0))) == MINUTE_S
