"""Send-now latency: `ginbot broadcast` (a process of its own) against a running `ginbot worker` with the
default planner interval (30 s), to a Telegram stub. Prints, per database and clock, the time from the CLI
saying "broadcast id" to the first message at the stub (p50 and worst of --runs), the figure issue 16 bounds
at 2 s. PostgreSQL wakes the worker's planner by NOTIFY; on SQLite the worker looks for due broadcasts twice
per idle poll (every 0.5 s).

    .venv/bin/python bench/send_now.py                 # SQLite and PostgreSQL, real clock and a pinned day
    .venv/bin/python bench/send_now.py --runs 10 --no-postgres

Needs the PostgreSQL server of the test suite (unless --no-postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.testing.telegram_stub import TelegramStub  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402
from tests.delivery.conftest import TELEGRAM_TOKEN, Person, add_people, seed_campaign, telegram_id  # noqa: E402

START_TIMEOUT_S = 120.0


async def one_broadcast(env: dict[str, str], telegram: TelegramStub, text: str) -> float:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ginbot", "broadcast", "--to", "all", text, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    queued_at: float | None = None
    async for line in proc.stdout:
        if line.startswith(b"broadcast id:"):
            queued_at = time.monotonic()
    await proc.wait()
    assert queued_at is not None and proc.returncode == 0, "the CLI did not queue the broadcast"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        arrived = [r.received_at for r in telegram.calls("sendMessage") if r.body.get("text") == text]
        if arrived:
            return min(arrived) - queued_at
        await asyncio.sleep(0.01)
    raise AssertionError(f"{text!r} never reached the stub")


async def measure(url: str, pinned: str | None, runs: int) -> list[float]:
    db = Database(url)
    await upgrade(db)
    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(i), "rd") for i in range(3)])
    await db.close()
    async with TelegramStub(TELEGRAM_TOKEN) as telegram:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
        env.update(
            GINBOT_DATABASE_URL=url, GINBOT_DATA_DIR=str(ROOT / "data"), GINBOT_INTENTS_DIR=str(ROOT / "intents"),
            GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN, GINBOT_TELEGRAM_API_BASE=telegram.api_base,
            **({"GINBOT_TODAY": pinned} if pinned else {}),
        )  # fmt: skip
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ginbot", "worker", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await telegram.wait_for("getMe", timeout_s=START_TIMEOUT_S)
            await asyncio.sleep(2)  # past the worker's first full planner pass
            return [await one_broadcast(env, telegram, f"ประกาศทดสอบ {i} {uuid.uuid4().hex[:6]}") for i in range(runs)]
        finally:
            worker.terminate()
            await worker.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and args.no_postgres:
            continue
        for pinned in (None, "2020-07-03"):
            if backend == "sqlite":
                folder = tempfile.TemporaryDirectory()
                url, name = f"sqlite+aiosqlite:///{Path(folder.name) / 'bench.db'}", None
            else:
                name = f"ginbot_bench_{uuid.uuid4().hex[:8]}"
                url = await create_pg_database(name)
            try:
                latencies = await measure(url, pinned, args.runs)
            finally:
                if name is not None:
                    await drop_pg_database(name)
                else:
                    folder.cleanup()
            clock = f"GINBOT_TODAY={pinned}" if pinned else "real clock"
            print(
                f"{backend:8} {clock:24} first message after the CLI queued it: "
                f"p50 {statistics.median(latencies) * 1000:6.0f} ms, worst {max(latencies) * 1000:6.0f} ms "
                f"({args.runs} runs)"
            )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
