"""Wake-ups, on both implementations of the one Protocol: in-process (SQLite) and LISTEN/NOTIFY
(PostgreSQL). A confirmed broadcast or a queued staff reply wakes the planner and the senders at once, so a
runner whose polls are five minutes apart still sends it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import select

from ginbot.core.content import Content
from ginbot.db import handoffs
from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.runner import DeliveryRunner
from ginbot.delivery.wakeups import PgWakeups, Topic, Wakeups, wakeups_for
from ginbot.handoff.desk import Desk
from ginbot.settings import load_settings
from tests.conftest import PG_HOST, PG_USER, ROOT, create_pg_database, drop_pg_database
from tests.delivery.conftest import Person, Platforms, add_people, seed_campaign, telegram_id

WAIT_S = 20.0
# Polls this far apart never fire during a test: only a wake-up can start the work.
NEVER_S = "300"


async def until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def pg_db(pg_template: str) -> AsyncIterator[Database]:
    name = f"ginbot_t_{uuid.uuid4().hex[:10]}"
    database = Database(await create_pg_database(name, template=pg_template))
    yield database
    await database.close()
    await drop_pg_database(name)


@pytest.fixture
async def wakeups(db: Database) -> AsyncIterator[Wakeups]:
    found = wakeups_for(db)
    await found.start()
    yield found
    await found.close()


async def test_a_listener_hears_the_topics_it_listens_for(wakeups: Wakeups) -> None:
    heard: list[Topic] = []
    wakeups.on(Topic.PLANNER, lambda: heard.append(Topic.PLANNER))
    await wakeups.notify(Topic.PLANNER)
    await until(lambda: Topic.PLANNER in heard)
    heard.clear()
    await wakeups.notify(Topic.OUTBOX)  # nobody listens for it here
    await wakeups.notify(Topic.PLANNER)
    await until(lambda: Topic.PLANNER in heard)
    assert set(heard) == {Topic.PLANNER}


async def test_another_process_is_heard_exactly_when_the_implementation_says_so(
    db: Database, wakeups: Wakeups
) -> None:
    """What `ginbot broadcast` does: its own connection, notify, exit. LISTEN/NOTIFY carries it to the
    listening process; in-process wake-ups cannot, and say so, so the runner polls often instead."""
    heard: list[Topic] = []
    wakeups.on(Topic.OUTBOX, lambda: heard.append(Topic.OUTBOX))
    other_db = Database(db.url)
    try:
        await wakeups_for(other_db).notify(Topic.OUTBOX)
    finally:
        await other_db.close()
    if wakeups.reaches_other_processes:
        await until(lambda: bool(heard))
    else:
        assert heard == []


@pytest.mark.postgres
async def test_the_listener_comes_back_after_its_connection_is_killed(pg_db: Database) -> None:
    wakeups = PgWakeups(pg_db)
    heard: list[Topic] = []
    wakeups.on(Topic.PLANNER, lambda: heard.append(Topic.PLANNER))
    await wakeups.start()
    try:
        assert wakeups.listening
        listener = wakeups._listener
        assert listener is not None and listener._connection is not None
        pid = listener._connection.get_server_pid()
        admin = await asyncpg.connect(host=PG_HOST, user=PG_USER, database="postgres")
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        # Back on a new connection: everything is woken once (what was sent meanwhile was not heard) …
        await until(lambda: wakeups.listening and listener._connection is not None
                    and listener._connection.get_server_pid() != pid)  # fmt: skip
        await until(lambda: Topic.PLANNER in heard)
        heard.clear()
        # … and another process's notifications are heard again.
        await wakeups_for(pg_db).notify(Topic.PLANNER)
        await until(lambda: Topic.PLANNER in heard)
    finally:
        await wakeups.close()
    assert not wakeups.listening


async def test_a_confirmed_broadcast_is_sent_without_waiting_for_a_poll(db: Database, platforms: Platforms) -> None:
    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(i), "rd") for i in range(3)])
    settings = load_settings({"GINBOT_PLANNER_INTERVAL_S": NEVER_S, "GINBOT_SENDER_IDLE_POLL_S": NEVER_S})
    wakeups = wakeups_for(db)
    runner = DeliveryRunner(settings, db, telegram=platforms.telegram_transport, wakeups=wakeups)
    await runner.start()
    try:
        await until(lambda: runner.sender is not None and runner.passes >= 1)
        await announce(db, to="all", text="ประกาศด่วน", created_by="test", wakeups=wakeups)
        await until(lambda: len(platforms.telegram.delivered) == 3)
    finally:
        await runner.stop()
        await wakeups.close()
    assert all(platforms.telegram.texts_to(telegram_id(i)) == ["ประกาศด่วน"] for i in range(3))


async def test_a_staff_reply_queued_by_serve_wakes_the_worker_on_postgres(
    pg_db: Database, platforms: Platforms
) -> None:
    """`ginbot serve` (GINBOT_RUN_SENDER=false) queues the reply; a `ginbot worker` (its own connections,
    its own wake-ups, polls five minutes apart) sends it at once."""
    await add_people(pg_db, [Person("telegram", telegram_id(7), None)])
    async with pg_db.session() as session:
        user_id = await session.scalar(select(ChatUser.id))
        assert user_id is not None
        handoff = await handoffs.open_handoff(session, user_id=user_id, channel="telegram", agency_id=None, now=datetime.now(UTC))
        handoff_id = handoff.id
    serve_wakeups = wakeups_for(pg_db)
    desk = Desk(pg_db, Content.load(ROOT / "data" / "answers.yml"), staff_label="เจ้าหน้าที่ สพร.",
                on_queued=lambda: serve_wakeups.notify(Topic.OUTBOX))  # fmt: skip
    worker_db = Database(pg_db.url)
    settings = load_settings({"GINBOT_PLANNER_INTERVAL_S": NEVER_S, "GINBOT_SENDER_IDLE_POLL_S": NEVER_S})
    worker = DeliveryRunner(settings, worker_db, telegram=platforms.telegram_transport)
    await worker.start()
    try:
        await until(lambda: worker.sender is not None and worker.passes >= 1 and worker.wakeups.reaches_other_processes)
        await until(lambda: isinstance(worker.wakeups, PgWakeups) and worker.wakeups.listening)
        await desk.reply(handoff_id, "ตรวจแล้วค่ะ ใช้งานได้", staff_name="somchai", via="admin")
        await until(lambda: bool(platforms.telegram.delivered))
    finally:
        await worker.stop()
        await worker_db.close()
    assert platforms.telegram.texts_to(telegram_id(7)) == ["เจ้าหน้าที่ สพร.: ตรวจแล้วค่ะ ใช้งานได้"]


async def test_a_broadcast_scheduled_seconds_ahead_leaves_when_due_not_at_the_next_pass(
    db: Database, platforms: Platforms
) -> None:
    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(1), "rd")])
    settings = load_settings({"GINBOT_PLANNER_INTERVAL_S": NEVER_S, "GINBOT_SENDER_IDLE_POLL_S": NEVER_S})
    wakeups = wakeups_for(db)
    runner = DeliveryRunner(settings, db, telegram=platforms.telegram_transport, wakeups=wakeups)
    await runner.start()
    try:
        await until(lambda: runner.sender is not None and runner.passes >= 1)
        at = datetime.now(UTC) + timedelta(seconds=2)
        await announce(db, to="all", text="ประกาศตามเวลา", created_by="test", send_at=at, wakeups=wakeups)
        assert not platforms.telegram.delivered, "not before its time"
        await until(lambda: bool(platforms.telegram.delivered))
    finally:
        await runner.stop()
        await wakeups.close()
    assert platforms.telegram.texts_to(telegram_id(1)) == ["ประกาศตามเวลา"]
