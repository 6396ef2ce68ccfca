"""Schema creation and upgrades through Alembic, callable from the CLI, the server and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from ginbot.db.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaNotCurrent(Exception):
    """The database's tables are missing or older than this ginbot; ``ginbot db upgrade`` fixes it."""


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def upgrade(db: Database, revision: str = "head") -> None:
    cfg = alembic_config(db.url)

    def _upgrade(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def require_current_schema(db: Database) -> None:
    """For ``ginbot serve``, which leaves upgrades to ``ginbot db upgrade`` (one upgrader, not every
    replica racing): refuse to start on tables that are missing or out of date, and say what to run."""
    current, head = await current_revision(db), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaNotCurrent(
            "the database has no ginbot tables yet: run `ginbot db upgrade` (or `ginbot db seed`, which also "
            "loads the bundled cohorts and agencies)"
        )
    raise SchemaNotCurrent(f"the database schema is at revision {current}, this ginbot needs {head}: run `ginbot db upgrade`")
