"""kill -9 a `ginbot worker` process mid-broadcast, restart it: everyone gets the message at least once,
LINE recipients exactly once (retry keys), Telegram duplicates at most the rows in flight (and counted)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ginbot.db.models import OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.broadcasts import report
from ginbot.testing.line_stub import LineStub
from ginbot.testing.stub_server import duplicates
from ginbot.testing.telegram_stub import TelegramStub
from tests.conftest import ROOT
from tests.delivery.conftest import (
    LINE_TOKEN,
    TELEGRAM_TOKEN,
    Person,
    add_people,
    line_id,
    seed_campaign,
    telegram_id,
)

N_LINE, N_TELEGRAM = 1000, 1500
BATCH = 20  # Telegram rows claimed at a time: the most one kill can duplicate


def worker_env(db: Database, line: LineStub | None, telegram: TelegramStub) -> dict[str, str]:
    """A worker's settings against the stubs; without ``line`` the worker has no LINE token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
    if line is not None:
        env.update(
            GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
            GINBOT_LINE_CHANNEL_SECRET="line-secret",
            GINBOT_LINE_API_BASE=line.url,
        )
    env.update(
        GINBOT_DATABASE_URL=db.url,
        GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        GINBOT_TELEGRAM_API_BASE=f"{telegram.url}/bot",
        GINBOT_SENDER_LEASE_S="2",
        GINBOT_SENDER_BATCH_SIZE=str(BATCH),
        GINBOT_SENDER_CONCURRENCY="8",
        GINBOT_TELEGRAM_RATE_PER_S="400",
        GINBOT_TELEGRAM_PER_CHAT_INTERVAL_S="0",
        GINBOT_LINE_MULTICAST_SIZE="50",
        GINBOT_PLANNER_INTERVAL_S="0.5",
        GINBOT_SENDER_IDLE_POLL_S="0.1",
        GINBOT_SENDER_BACKOFF_BASE_S="0.1",
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ginbot", "worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def wait_for(condition: Callable[[], object], timeout_s: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition() if asyncio.iscoroutinefunction(condition) else condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
@pytest.mark.timeout(300)  # two worker processes start, each in seconds on a busy machine
async def test_kill_9_mid_broadcast_loses_nothing(db: Database, tmp_path: Path) -> None:
    await seed_campaign(db)
    await add_people(db, [Person("line", line_id(i), "dga") for i in range(N_LINE)])
    await add_people(db, [Person("telegram", telegram_id(i), "rd") for i in range(N_TELEGRAM)])
    # LINE accepts the first multicast but withholds its answer, so the kill lands while an accepted
    # multicast is unrecorded: its retry after the lease must meet LINE's 409, not reach anyone twice.
    line, telegram = LineStub(LINE_TOKEN), TelegramStub(TELEGRAM_TOKEN, delay_s=0.005)
    line.hang("multicast")
    await line.start()
    await telegram.start()
    log = tmp_path / "worker.log"
    env = worker_env(db, line, telegram)
    try:
        queued = await announce(db, to="all", text="ประกาศสำคัญ: ทดสอบระบบแจ้งเตือน", created_by="test")
        assert queued.recipients == N_LINE + N_TELEGRAM

        first = start_worker(env, log)
        await wait_for(
            lambda: line.hanging > 0 and sum(telegram.delivered.values()) >= 300,
            60, "the first worker to be mid-way", log,
        )  # fmt: skip
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        line.release()  # the killed worker's connection is gone; nobody hears this answer
        line_before, telegram_before = len(line.delivered), len(telegram.delivered)
        assert line_before < N_LINE and telegram_before < N_TELEGRAM, (
            "the kill came too late to test anything"
        )

        second = start_worker(env, log)

        async def settled() -> bool:
            async with db.session() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.status.in_(["queued", "sending"]))
                )
                total = await session.scalar(select(func.count()).select_from(OutboxRow))
            return left == 0 and total == N_LINE + N_TELEGRAM

        await wait_for(settled, 90, "the restarted worker to finish", log)
        second.send_signal(signal.SIGTERM)  # a graceful stop this time
        assert second.wait(30) == 0, log.read_text()[-3000:]
    finally:
        for proc in ("first", "second"):
            p = locals().get(proc)
            if p is not None and p.poll() is None:
                p.kill()
        await line.close()
        await telegram.close()

    # LINE: everyone exactly once; the crashed request's retry met a 409.
    assert set(line.delivered) == {line_id(i) for i in range(N_LINE)}
    assert set(line.delivered.values()) == {1}
    assert line.conflicts >= 1 and None not in line.retry_keys()
    # Telegram: everyone at least once; duplicates only from the batch in flight, and each one flagged.
    assert set(telegram.delivered) == {telegram_id(i) for i in range(N_TELEGRAM)}
    dup = duplicates(telegram.delivered)
    async with db.session() as session:
        rep = await report(session, queued.broadcast_id or 0)
    assert rep is not None
    assert rep.sent == N_LINE + N_TELEGRAM and rep.failed == 0
    assert dup <= BATCH
    assert dup <= rep.possibly_duplicated <= BATCH
