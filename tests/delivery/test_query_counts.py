"""The broadcasts page and the sender's bookkeeping send a fixed number of statements, however many rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ginbot.db.models import ChatUser, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import NewBroadcast, create_broadcast, fan_out, recent_reports, report
from ginbot.delivery.outbox import RowResult, record_results
from ginbot.delivery.targets import Target
from tests.delivery.conftest import Person, add_people, telegram_id
from tests.statements import statements

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


async def _broadcasts(db: Database, n: int) -> list[int]:
    ids = []
    for i in range(n):
        async with db.session() as session:
            b = await create_broadcast(
                session,
                NewBroadcast(
                    text=f"ประกาศ {i}", target=Target("all"), channel=None, send_at=NOW, created_by="test"
                ),
            )
            ids.append(b.id)
        await fan_out(db, b.id, NOW)
    return ids


async def _reports_statements(db: Database) -> int:
    async with db.session() as session:
        with statements(db) as seen:
            reports = await recent_reports(session, limit=50)
    assert all(r.queued == 3 for r in reports)
    return seen.count


async def test_recent_reports_takes_the_same_statements_for_2_or_40_broadcasts(campaign: Database) -> None:
    await add_people(campaign, [Person("telegram", telegram_id(n), None) for n in range(3)])
    await _broadcasts(campaign, 2)
    few = await _reports_statements(campaign)
    await _broadcasts(campaign, 38)
    many = await _reports_statements(campaign)
    assert many == few <= 4  # begin, broadcasts, grouped counts (and a commit)


async def test_the_batched_report_counts_what_the_rows_say(campaign: Database) -> None:
    await add_people(campaign, [Person("telegram", telegram_id(n), None) for n in range(4)])
    first, second = await _broadcasts(campaign, 2)
    async with campaign.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.broadcast_id == first))).all()
        rows[0].status, rows[1].status, rows[1].possibly_duplicated = "sent", "failed", True
    async with campaign.session() as session:
        listed = {r.broadcast_id: r for r in await recent_reports(session)}
        single = await report(session, first)
    assert single == listed[first]
    assert (listed[first].sent, listed[first].failed, listed[first].queued) == (1, 1, 2)
    assert listed[first].possibly_duplicated == 1
    assert (listed[second].queued, listed[second].possibly_duplicated) == (4, 0)


async def test_record_results_is_one_statement_for_many_failed_rows(campaign: Database) -> None:
    await add_people(campaign, [Person("telegram", telegram_id(n), None) for n in range(60)])
    await _broadcasts(campaign, 1)
    async with campaign.session() as session:
        ids = list((await session.scalars(select(OutboxRow.id).order_by(OutboxRow.id))).all())
        users = list((await session.scalars(select(ChatUser.id).order_by(ChatUser.id))).all())
    later = NOW + timedelta(minutes=5)
    results = [RowResult(i, "sent") for i in ids[:10]]
    results += [RowResult(i, "queued", "HTTP 502", later + timedelta(seconds=n)) for n, i in enumerate(ids[10:40])]
    results += [RowResult(i, "failed", "400 chat not found") for i in ids[40:55]]
    results += [RowResult(i, "queued", "429", later, count_attempt=False) for i in ids[55:58]]
    results += [RowResult(i, "blocked", "403", user_id=u) for i, u in zip(ids[58:], users[58:], strict=True)]
    async with campaign.session() as session:
        with statements(campaign) as seen:
            await record_results(session, results, NOW)
            await session.flush()
    writes = [s for s in seen.sql if s.lstrip().upper().startswith("UPDATE")]
    assert len(writes) == 3  # the sent rows, every other row, the blocked people

    async with campaign.session() as session:
        got = {r.id: r for r in (await session.scalars(select(OutboxRow))).all()}
        blocked = await session.scalar(select(func.count()).where(ChatUser.blocked.is_(True)))
    assert {got[i].status for i in ids[:10]} == {"sent"}
    retried = [got[i] for i in ids[10:40]]
    assert all(r.status == "queued" and r.attempts == 1 and r.last_error == "HTTP 502" for r in retried)
    assert [r.next_attempt_at.replace(tzinfo=UTC) for r in retried] == [
        later + timedelta(seconds=n) for n in range(30)
    ]
    assert all(got[i].status == "failed" and got[i].attempts == 1 for i in ids[40:55])
    flood = [got[i] for i in ids[55:58]]
    assert all(r.status == "queued" and r.attempts == 0 and r.lease_until is None for r in flood)
    assert all(got[i].status == "blocked" for i in ids[58:]) and blocked == 2
