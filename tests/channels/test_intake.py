"""At most once, in order per person: the two promises of the intake."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from ginbot.channels.intake import Intake, prune_processed_events
from ginbot.db.session import Database


async def test_one_person_in_order_others_alongside(sqlite_db: Database) -> None:
    intake = Intake(sqlite_db, "line")
    seen: list[str] = []
    first_may_finish = asyncio.Event()

    async def slow_first() -> None:
        await first_may_finish.wait()
        seen.append("a1")

    async def record(name: str) -> None:
        seen.append(name)
        if name == "b1":
            first_may_finish.set()

    tasks = [
        asyncio.create_task(intake.run_once("e1", "A", slow_first)),
        asyncio.create_task(intake.run_once("e2", "A", lambda: record("a2"))),
        asyncio.create_task(intake.run_once("e3", "B", lambda: record("b1"))),
    ]
    await asyncio.gather(*tasks)
    # B was not held up by A's slow first event; A's second waited for its first.
    assert seen == ["b1", "a1", "a2"]


async def test_an_event_runs_once_unless_it_failed(db: Database) -> None:
    intake = Intake(db, "telegram")
    runs: list[str] = []

    async def work() -> None:
        runs.append("ran")

    async def broken() -> None:
        raise RuntimeError("core down")

    assert await intake.run_once("1", "p", work) is True
    assert await intake.run_once("1", "p", work) is False
    try:
        await intake.run_once("2", "p", broken)
    except RuntimeError:
        pass
    assert await intake.run_once("2", "p", work) is True  # the failed attempt released its claim
    assert runs == ["ran", "ran"]
    assert await Intake(db, "line").run_once("1", "p", work) is True  # ids are per channel


async def test_old_ids_are_pruned(sqlite_db: Database) -> None:
    intake = Intake(sqlite_db, "line")

    async def work() -> None:
        return None

    await intake.run_once("old", "p", work)
    assert await prune_processed_events(sqlite_db, max_age=timedelta(seconds=-1)) == 1
    assert await intake.run_once("old", "p", work) is True
