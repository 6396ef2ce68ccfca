"""Database.session: all or nothing, and on SQLite one connection shared in turn without leftovers."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from pathlib import Path

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


async def test_sqlite_statements_run_on_the_loops_thread_and_leave_no_thread_behind(tmp_path: Path) -> None:
    """No worker-thread round trip per statement (ginbot/db/sqlite_inline.py): a transaction's statements
    run one after another on the caller's thread, so no other task runs between them."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/inline.db")
    threads_before = threading.active_count()
    ran_on: list[int] = []
    others_ran = 0

    async def other_task() -> None:
        nonlocal others_ran
        while True:
            others_ran += 1
            await asyncio.sleep(0)

    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.create_function("thread_id", 0, lambda: ran_on.append(threading.get_ident()) or 1)
    other = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    seen = others_ran
    async with db.session() as s:
        for _ in range(5):
            await s.execute(text("SELECT thread_id()"))
        assert others_ran == seen  # the transaction never gave the loop away
    other.cancel()
    assert ran_on == [threading.get_ident()] * 5
    assert threading.active_count() == threads_before
    # AUTOCOMMIT goes through a path of its own in SQLAlchemy's adapter; it must not wait for a worker.
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        assert (await autocommit.execute(text("SELECT 2"))).scalar() == 2
    await db.close()
