"""kill -9 the sending process between a staff reply and its delivery, restart it: the official gets the
reply once. LINE accepts the first push but its answer never comes back (the kill lands while the push is
in flight, unrecorded); the restarted sender pushes again with the row's retry key and LINE answers 409."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from ginbot.core.content import Content
from ginbot.core.messages import Channel, IncomingMessage
from ginbot.db.models import OutboxRow
from ginbot.db.session import Database
from ginbot.handoff.desk import Desk
from ginbot.nlu.engine import Nlu
from ginbot.testing.fixtures import LINE_ACCESS_TOKEN
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_user_id
from tests.conftest import ROOT
from tests.handoff.conftest import real_bot

REPLY = "เจ้าหน้าที่ตรวจแล้ว บัญชีของท่านใช้งานได้แล้วค่ะ"


def worker_env(db: Database, line: LineStub) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
    env.update(
        GINBOT_DATABASE_URL=db.url,
        GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_ACCESS_TOKEN,
        GINBOT_LINE_CHANNEL_SECRET="line-secret",
        GINBOT_LINE_API_BASE=line.url,
        GINBOT_SENDER_LEASE_S="2",
        GINBOT_SENDER_IDLE_POLL_S="0.1",
        GINBOT_PLANNER_INTERVAL_S="60",
        GINBOT_SEND_TIMEOUT_S="60",
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "ginbot", "worker"], cwd=ROOT, env=env, stdout=out, stderr=out)


async def wait_for(condition: Callable[[], object], timeout_s: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


async def test_sigkill_between_a_staff_reply_and_its_delivery_delivers_it_once(
    seeded: Database, nlu: Nlu, content: Content, tmp_path: Path
) -> None:
    official = line_user_id(9)
    bot = real_bot(seeded, nlu, content)
    opened = await bot.respond(IncomingMessage(Channel.LINE, official, "ขอคุยกับเจ้าหน้าที่ เข้าระบบไม่ได้"))
    (event,) = opened.staff_events
    # The staff reply is committed (with its outbox row) before any sender runs.
    await Desk(seeded, content, staff_label="เจ้าหน้าที่ สพร.").reply(
        event.handoff_id, REPLY, staff_name="somchai", via="admin"
    )

    log = tmp_path / "worker.log"
    async with LineStub(access_token=LINE_ACCESS_TOKEN) as line:
        line.hang("push")  # LINE takes the push, the answer never arrives
        env = worker_env(seeded, line)
        first = start_worker(env, log)
        second = None
        try:
            await wait_for(lambda: line.calls("push"), 60, "the first push", log)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert line.texts_to(official) == [f"เจ้าหน้าที่ สพร.: {REPLY}"]

            second = start_worker(env, log)

            async def sent() -> bool:
                async with seeded.session() as session:
                    row = await session.scalar(select(OutboxRow).where(OutboxRow.broadcast_id.is_(None)))
                return row is not None and row.status == "sent"

            await wait_for(sent, 60, "the restarted worker to record the reply as sent", log)
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0, log.read_text()[-3000:]
        finally:
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    proc.kill()

        pushes = line.calls("push")
    # Once: the repeat carried the same retry key and LINE refused to deliver it again.
    assert line.texts_to(official) == [f"เจ้าหน้าที่ สพร.: {REPLY}"]
    assert len(pushes) == 2 and pushes[1].status == 409
    assert pushes[0].headers["X-Line-Retry-Key"] == pushes[1].headers["X-Line-Retry-Key"]
