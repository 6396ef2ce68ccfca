from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import inspect

from ginbot.db.migrate import current_revision, head_revision, upgrade
from ginbot.db.models import Base
from ginbot.db.session import Database
from tests.conftest import create_pg_database, drop_pg_database


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def _assert_upgrade_from_empty(db: Database) -> None:
    assert await current_revision(db) is None
    await upgrade(db)
    assert await current_revision(db) == head_revision()
    assert set(Base.metadata.tables) <= await _tables(db)
    # Running it again is a no-op, as `make run` does on every start.
    await upgrade(db)
    assert await current_revision(db) == head_revision()


async def test_upgrade_from_empty_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        await _assert_upgrade_from_empty(db)
    finally:
        await db.close()


async def test_upgrade_from_empty_postgres() -> None:
    name = f"ginbot_m_{uuid.uuid4().hex[:10]}"
    db = Database(await create_pg_database(name))
    try:
        await _assert_upgrade_from_empty(db)
    finally:
        await db.close()
        await drop_pg_database(name)


async def test_models_match_migrations(db: Database) -> None:
    """A model change without a migration would make production differ from tests."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def diff(conn):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
