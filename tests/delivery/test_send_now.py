"""`ginbot broadcast` with a `ginbot worker` running: a send-now announcement reaches the platform within 2 s,
on the real clock and on a pinned demo day (GINBOT_TODAY), on both databases, with the default planner
interval (30 s): PostgreSQL's NOTIFY wakes the worker's planner; on SQLite the worker looks for due
broadcasts twice per idle poll (every 0.5 s), since another process cannot wake it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from ginbot.db.session import Database
from ginbot.testing.telegram_stub import TelegramStub
from tests.conftest import ROOT
from tests.delivery.conftest import TELEGRAM_TOKEN, Person, add_people, seed_campaign, telegram_id

FIRST_MESSAGE_S = 2.0
# Process start-up (imports, migrations check) on a loaded 2-core machine: a ceiling, not an expectation.
START_TIMEOUT_S = 120.0


def delivery_env(db: Database, telegram: TelegramStub, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
    env.update(
        GINBOT_DATABASE_URL=db.url,
        GINBOT_DATA_DIR=str(ROOT / "data"),
        GINBOT_INTENTS_DIR=str(ROOT / "intents"),
        GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        GINBOT_TELEGRAM_API_BASE=telegram.api_base,
        **settings,
    )
    return env


async def start_worker(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ginbot", "worker", cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def run_ginbot(env: dict[str, str], *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ginbot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), START_TIMEOUT_S)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def stop(proc: asyncio.subprocess.Process, log: Path) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"the worker did not stop on SIGTERM:\n{log.read_text()[-3000:]}") from None


@pytest.mark.parametrize("today", [None, "2020-07-03"], ids=["real-clock", "pinned-day"])
async def test_cli_broadcast_reaches_the_platform_within_2_s(
    db: Database, tmp_path: Path, today: str | None
) -> None:
    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(i), "rd") for i in range(3)])
    pinned = {"GINBOT_TODAY": today} if today else {}
    log = tmp_path / "worker.log"
    async with TelegramStub(TELEGRAM_TOKEN) as telegram:
        env = delivery_env(db, telegram, **pinned)
        worker = await start_worker(env, log)
        try:
            # The sender exists once PTB's initialize() has asked getMe.
            await telegram.wait_for("getMe", timeout_s=START_TIMEOUT_S)
            out = await run_ginbot(env, "broadcast", "--to", "all", "ประกาศทดสอบ ส่งทันที")
            assert "recipients: 3" in out
            queued_at = time.monotonic()
            try:
                first = await telegram.wait_for("sendMessage", timeout_s=FIRST_MESSAGE_S + 10)
            except TimeoutError:
                raise AssertionError(f"nothing was sent; worker log:\n{log.read_text()[-3000:]}") from None
            assert first[0].received_at - queued_at < FIRST_MESSAGE_S, log.read_text()[-3000:]
            await telegram.wait_for("sendMessage", count=3, timeout_s=10)
        finally:
            await stop(worker, log)
    assert sorted(str(m["chat_id"]) for m in telegram.sent_messages()) == [telegram_id(i) for i in range(3)]
