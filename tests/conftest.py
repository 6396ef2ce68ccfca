"""Shared fixtures: a fresh, migrated database per test on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ginbot.core.content import Content
from ginbot.db.csv_import import import_file
from ginbot.db.migrate import upgrade
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu

ROOT = Path(__file__).resolve().parent.parent
# Tests may read their own knobs; ginbot itself reads the environment only in ginbot/settings.py.
PG_HOST = os.environ.get("GINBOT_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("GINBOT_TEST_PG_USER", "postgres")
PG_ADMIN_DB = "test"


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:5432/{database}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_pg_database(name: str, template: str | None = None) -> str:
    clause = f' TEMPLATE "{template}"' if template else ""
    await _pg_admin(f'CREATE DATABASE "{name}"{clause}')
    return pg_url(name)


async def drop_pg_database(name: str) -> None:
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test clones (CREATE DATABASE … TEMPLATE is fast)."""
    name = f"ginbot_tpl_{uuid.uuid4().hex[:8]}"

    async def build() -> None:
        url = await create_pg_database(name)
        db = Database(url)
        await upgrade(db)
        await db.close()

    # Requested from inside async fixtures, so run on a thread of its own rather than the test's loop.
    _run_in_thread(build())
    yield name
    _run_in_thread(drop_pg_database(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database at the newest schema, on each backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'ginbot.db'}")
        await upgrade(database)
        yield database
        await database.close()
        return
    template = request.getfixturevalue("pg_template")
    name = f"ginbot_t_{uuid.uuid4().hex[:10]}"
    database = Database(await create_pg_database(name, template=template))
    yield database
    await database.close()
    await drop_pg_database(name)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'ginbot.db'}")
    await upgrade(database)
    yield database
    await database.close()


# --- the bundled campaign and a trained NLU ------------------------------------------------------------

@pytest.fixture(scope="session")
def nlu() -> Nlu:
    return Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")


@pytest.fixture(scope="session")
def content() -> Content:
    return Content.load(ROOT / "data" / "answers.yml")


async def seed(db: Database) -> None:
    async with db.session() as s:
        await import_file(s, "cohorts", ROOT / "data" / "cohorts.csv")
    async with db.session() as s:
        await import_file(s, "agencies", ROOT / "data" / "agencies.csv")


@pytest.fixture
async def seeded(db: Database) -> AsyncIterator[Database]:
    await seed(db)
    yield db


@pytest.fixture
async def seeded_sqlite(sqlite_db: Database) -> AsyncIterator[Database]:
    await seed(sqlite_db)
    yield sqlite_db


