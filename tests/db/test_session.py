"""Database.session: all or nothing, and on SQLite one connection shared in turn without leftovers."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, text

from ginbot.db.models import Cohort
from ginbot.db.session import Database


async def _cohorts(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Cohort)) or 0)


async def test_a_failing_session_keeps_nothing_and_the_next_one_works(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            s.add(Cohort(number=9, migration_date=date(2020, 7, 1), last_v8_date=date(2020, 6, 30)))
            await s.flush()  # written inside the transaction…
            raise RuntimeError("…then the turn fails")
    assert await _cohorts(db) == 0
    async with db.session() as s:
        s.add(Cohort(number=9, migration_date=date(2020, 7, 1), last_v8_date=date(2020, 6, 30)))
    assert await _cohorts(db) == 1


async def test_a_connection_given_back_mid_transaction_is_rolled_back(sqlite_db: Database) -> None:
    """The pool skips its ROLLBACK when nothing is open; when something is, it must still happen."""
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # Behind SQLAlchemy's back, as a bug or a cancelled task could leave it: an open write.
        await driver.execute("BEGIN")
        await driver.execute("INSERT INTO cohorts VALUES (8, '2020-07-01', '2020-06-30')")
        assert driver.in_transaction
    assert await _cohorts(sqlite_db) == 0
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None and not raw.driver_connection.in_transaction


async def test_sqlite_sessions_at_once_take_turns_on_the_one_connection(sqlite_db: Database) -> None:
    async def write(n: int) -> None:
        async with sqlite_db.session() as s:
            await s.execute(text("INSERT INTO cohorts VALUES (:n, '2020-07-01', '2020-06-30')"), {"n": n})
            await asyncio.sleep(0.005)  # hold the connection for a moment, as a turn does

    await asyncio.gather(*(write(n) for n in range(1, 21)))
    assert await _cohorts(sqlite_db) == 20
    assert sqlite_db.engine.pool.size() == 1  # type: ignore[attr-defined]
