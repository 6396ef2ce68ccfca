"""Count the SQL statements a piece of code sends: the test's view of N+1 queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from ginbot.db.session import Database


class Statements:
    def __init__(self) -> None:
        self.sql: list[str] = []

    @property
    def count(self) -> int:
        return len(self.sql)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # executemany is one call here, as it is one statement sent with many parameter sets.
        self.sql.append(statement)


@contextmanager
def statements(db: Database) -> Iterator[Statements]:
    """Every statement the engine executes inside the block (transaction control included, as sent)."""
    seen = Statements()
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen._record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen._record)
