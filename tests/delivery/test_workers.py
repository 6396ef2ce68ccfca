"""Several workers on the real PostgreSQL: SKIP LOCKED claims mean each message is sent exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ginbot.core.messages import Reply
from ginbot.db.models import OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.planner import plan_once
from ginbot.delivery.sender import Sender
from tests.delivery.conftest import FAST, Person, add_people, line_id, seed_campaign, telegram_id


class RecordingLine:
    def __init__(self, received: Counter[str], keys: list[str]) -> None:
        self.received, self.keys = received, keys

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        await asyncio.sleep(0.005)  # a network round trip, so the workers really overlap
        self.keys.append(retry_key)
        self.received.update(recipients)

    async def close(self) -> None:
        pass


class RecordingTelegram:
    def __init__(self, received: Counter[str], by_worker: Counter[str], name: str) -> None:
        self.received, self.by_worker, self.name = received, by_worker, name

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        await asyncio.sleep(0.001)
        (chat_id,) = recipients
        self.received[chat_id] += 1
        self.by_worker[self.name] += 1

    async def close(self) -> None:
        pass


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_two_workers_send_each_message_exactly_once(db: Database) -> None:
    await seed_campaign(db)
    n = 3000
    await add_people(
        db,
        [
            Person("line", line_id(i), "dga") if i % 3 == 0 else Person("telegram", telegram_id(i), "rd")
            for i in range(n)
        ],
    )
    queued = await announce(db, to="all", text="ประกาศ", created_by="test")
    assert queued.recipients == n

    line_received: Counter[str] = Counter()
    tg_received: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()
    keys: list[str] = []
    engines = [Database(db.url) for _ in range(2)]
    senders = [
        Sender(
            e,
            line=RecordingLine(line_received, keys),
            telegram=RecordingTelegram(tg_received, by_worker, f"w{i}"),
            config=FAST,
        )
        for i, e in enumerate(engines)
    ]
    stop = asyncio.Event()
    try:
        # Both workers also plan: fan-out races are harmless too.
        now = datetime.now(UTC)
        runs = [asyncio.create_task(s.run(stop)) for s in senders]
        await asyncio.gather(*(plan_once(e, None, now, 0) for e in engines))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            async with db.session() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.status.in_(["queued", "sending"]))
                )
            if left == 0:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*runs)
    finally:
        for e in engines:
            await e.close()

    assert len(line_received) == n // 3 and set(line_received.values()) == {1}
    assert len(tg_received) == n - n // 3 and set(tg_received.values()) == {1}
    assert len(keys) == len(set(keys))  # every multicast its own retry key
    assert by_worker["w0"] > 0 and by_worker["w1"] > 0  # both really worked
    async with db.session() as session:
        statuses = dict(
            (await session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))).all()
        )
    assert statuses == {"sent": n}
