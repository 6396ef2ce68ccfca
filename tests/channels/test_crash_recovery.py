"""kill -9 during a burst: a real `ginbot serve` process, a LINE API that takes a second per request.

What LINE does is played by the test: every webhook that did not get a 2xx is delivered again (as a
redelivery, whose reply token is dead) once ginbot is back. Every event must then be answered exactly once:
by its reply, or by one push, counted per person at the LINE stub.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from ginbot.db.models import InboxEvent
from ginbot.db.session import Database
from ginbot.testing.fixtures import LINE_ACCESS_TOKEN, LINE_CHANNEL_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_body, line_headers, line_text_event, line_user_id
from tests.observability.serving import free_port, ginbot_command, ginbot_env, run, wait_healthy_async

PEOPLE = 30
PER_PERSON = 4
QUESTIONS = ("สวัสดีค่ะ", "กรมสรรพากรย้ายวันไหน", "ติดตั้ง v9 บน mac ยังไง", "ขอบคุณค่ะ")
LINE_DELAY_S = 1.0
# How long the burst runs before the kill: replies are then finished, in flight at LINE, and not yet begun.
KILL_AFTER_S = 2.0
SEND_INTERVAL_S = 0.03


async def _start(env: dict[str, str], cwd: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("a") as out:
        proc = await asyncio.create_subprocess_exec(
            *ginbot_command("serve"), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    await wait_healthy_async(int(env["GINBOT_PORT"]), proc, log)
    return proc


async def _post(http: aiohttp.ClientSession, url: str, event: dict[str, Any]) -> int:
    body = line_body(event)
    try:
        async with http.post(url, data=body, headers=line_headers(LINE_CHANNEL_SECRET, body)) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0  # the connection died with the process: LINE would deliver again


async def _unfinished(db: Database) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(InboxEvent).where(InboxEvent.status.in_(("pending", "working")))
            )
            or 0
        )


async def _settled(db: Database, timeout_s: float = 120.0) -> None:
    """Until no stored event is pending or leased; a ceiling on waiting, not an expectation of speed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not await _unfinished(db):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{await _unfinished(db)} events still unfinished after {timeout_s:.0f} s")


# Two start-ups of the real server (each trains the NLU) on a shared, busy machine: a ceiling, not a target.
@pytest.mark.timeout(360)
async def test_kill_9_during_a_burst_answers_every_event_exactly_once(tmp_path: Path) -> None:
    database = tmp_path / "ginbot.db"
    port = free_port()
    async with LineStub(access_token=LINE_ACCESS_TOKEN, delay_s=LINE_DELAY_S) as stub:
        env = ginbot_env(
            database,
            port,
            GINBOT_LINE_CHANNEL_SECRET=LINE_CHANNEL_SECRET,
            GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_ACCESS_TOKEN,
            GINBOT_LINE_API_BASE=stub.url,
            GINBOT_TODAY="2020-07-03",
            GINBOT_RUN_SENDER="false",
            # The killed process's leases run out soon after the restart.
            GINBOT_INBOX_LEASE_S="5",
            GINBOT_LOG_LEVEL="WARNING",
        )
        await run("db", "seed", env=env, cwd=tmp_path)
        log = tmp_path / "serve.log"
        events = [
            line_text_event(line_user_id(100 + p), QUESTIONS[i])
            for i in range(PER_PERSON)
            for p in range(PEOPLE)
        ]
        url = f"http://127.0.0.1:{port}/line/webhook"

        first = await _start(env, tmp_path, log)
        statuses: dict[int, int] = {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:

            async def deliver(i: int) -> None:
                statuses[i] = await _post(http, url, events[i])

            async def burst() -> None:
                tasks = []
                for i in range(len(events)):
                    if first.returncode is not None:
                        break  # the process is gone: the rest is "not delivered"
                    tasks.append(asyncio.create_task(deliver(i)))
                    await asyncio.sleep(SEND_INTERVAL_S)
                await asyncio.gather(*tasks)

            sending = asyncio.create_task(burst())
            await asyncio.sleep(KILL_AFTER_S)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await sending

        acknowledged = sum(1 for s in statuses.values() if 200 <= s < 300)
        replies_before_restart = len(stub.calls("reply", accepted=True))
        assert 0 < acknowledged < len(events), "the kill must fall inside the burst"

        second = await _start(env, tmp_path, log)
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                for i, event in enumerate(events):
                    if not 200 <= statuses.get(i, 0) < 300:
                        again = {**event, "deliveryContext": {"isRedelivery": True}}
                        assert await _post(http, url, again) == 200
            db = Database(f"sqlite+aiosqlite:///{database}")
            try:
                await _settled(db)
                async with db.session() as session:
                    stored = await session.scalar(select(func.count()).select_from(InboxEvent))
            finally:
                await db.close()
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()

    assert stored == len(events)
    tokens = {str(e["replyToken"]): e["source"]["userId"] for e in events}  # type: ignore[index]
    answered: Counter[str] = Counter()
    for reply in stub.calls("reply", accepted=True):
        answered[tokens[reply.body["replyToken"]]] += 1
    for push in stub.calls("push", accepted=True):
        answered[push.body["to"]] += 1
    assert answered == Counter({line_user_id(100 + p): PER_PERSON for p in range(PEOPLE)})
    # The figures for the report (pytest -s shows them).
    print(
        json.dumps(
            {
                "events": len(events),
                "acknowledged_before_kill": acknowledged,
                "redelivered": len(events) - acknowledged,
                "replies_before_restart": replies_before_restart,
                "replies": len(stub.calls("reply", accepted=True)),
                "pushes": len(stub.calls("push", accepted=True)),
                "refused_repeats": len(stub.calls("reply")) - len(stub.calls("reply", accepted=True)),
                "push_409": stub.conflicts,
            }
        )
    )
    assert os.path.exists(log)
