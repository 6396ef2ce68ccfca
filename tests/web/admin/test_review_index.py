"""The unanswered page's query is served by the partial index on unreviewed rows, on both databases."""

from __future__ import annotations

from sqlalchemy import text, update

from ginbot.db.models import MessageLog
from ginbot.db.session import Database
from ginbot.web.admin.review import pending_query
from tests.web.admin.conftest import log_messages


async def _plan(db: Database) -> str:
    async with db.engine.connect() as conn:
        sql = str(pending_query().compile(conn, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            rows = await conn.execute(text("EXPLAIN QUERY PLAN " + sql))
            return "\n".join(str(r[-1]) for r in rows)
        # A few test rows are cheaper to read whole; ask whether the index *can* serve the query.
        await conn.execute(text("SET enable_seqscan = off"))
        rows = await conn.execute(text("EXPLAIN " + sql))
        return "\n".join(str(r[0]) for r in rows)


async def test_unanswered_page_reads_the_unreviewed_rows_index(db: Database) -> None:
    ids = await log_messages(db, [("แชร์จอไม่ได้", "fallback", 0.2, False), ("สวัสดี", "greet", 0.9, True)] * 50)
    async with db.session() as session:
        await session.execute(update(MessageLog).where(MessageLog.id.in_(ids[:60])).values(reviewed_intent="-"))
        await session.execute(text("ANALYZE"))
    plan = await _plan(db)
    assert "ix_message_log_unreviewed" in plan, plan
