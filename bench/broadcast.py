"""Broadcast benchmark: N subscribers (half LINE, half Telegram) through real `ginbot worker` processes (one,
then two sharing one limit) to stub LINE/Telegram servers in another process. Prints the achieved Telegram
send rate against the configured limit, total time, the workers' peak memory, duplicates and losses, for
each audience size and number of workers.

    .venv/bin/python bench/broadcast.py                      # 10,000 and 100,000 on PostgreSQL, 1 and 2 workers
    .venv/bin/python bench/broadcast.py --sizes 2000 --telegram-rate 300
    .venv/bin/python bench/broadcast.py --sizes 2000 --workers 2 --telegram-rate 30

With two workers the limit is the deployment's (GINBOT_TELEGRAM_RATE_PER_S is shared through PostgreSQL):
the aggregate rate is printed against that one limit, with the most messages the stub saw in one second
(whole seconds from the first message, and any one-second window) — never far above the limit.

The Telegram limit is raised from the production 30/s (GINBOT_TELEGRAM_RATE_PER_S) to 100/s to keep the run
short; the target is ≥ 95 % of whatever limit is configured. A Telegram send costs the worker about 4-5 ms
of CPU (python-telegram-bot + httpx + its share of the database work), so one worker on a free core tops
out near 200/s: a limit above that measures the machine, not the rate limiter. Also printed: the worker's
CPU per recipient and its resident memory at start, middle and end (flat = the audience is streamed).
Needs the PostgreSQL server of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.models import ChatUser, OutboxRow  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.delivery.announce import announce  # noqa: E402
from ginbot.testing.line_stub import LineStub  # noqa: E402
from ginbot.testing.telegram_stub import TelegramStub  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402
from tests.delivery.conftest import LINE_TOKEN, TELEGRAM_TOKEN, seed_campaign  # noqa: E402

PTB_PER_REQUEST_TIMEOUT_S = 30


async def serve_stubs(port_file: Path) -> None:
    line, telegram = await LineStub(LINE_TOKEN).start(), await TelegramStub(TELEGRAM_TOKEN).start()
    port_file.write_text(json.dumps({"line": line.url, "telegram": telegram.url}))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await line.close()
    await telegram.close()


def stats(url: str) -> dict[str, object]:
    with urlopen(f"{url}/_stats", timeout=10) as resp:
        return json.loads(resp.read())


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def populate(db: Database, n: int) -> None:
    await upgrade(db)
    await seed_campaign(db)
    agencies = ["dga", "rd", "sopm", "opm-ops", "soc"]
    rows = [
        {
            "channel": "line" if i % 2 == 0 else "telegram",
            "platform_user_id": f"U{i:032x}" if i % 2 == 0 else str(10_000_000 + i),
            "agency_id": agencies[i % len(agencies)],
            "subscribed": True,
            "blocked": False,
        }
        for i in range(n)
    ]
    async with db.session() as session:
        for i in range(0, n, 5000):
            await session.execute(insert(ChatUser), rows[i : i + 5000])


async def left_to_send(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        left = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status.in_(["queued", "sending"]))
        )
        total = await session.scalar(select(func.count()).select_from(OutboxRow))
    return int(left or 0), int(total or 0)


async def run_one(n: int, workers: int, args: argparse.Namespace, urls: dict[str, str]) -> dict[str, object]:
    name = f"ginbot_bench_{uuid.uuid4().hex[:8]}"
    db = Database(await create_pg_database(name))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await populate(db, n)
        line_before, tg_before = stats(urls["line"]), stats(urls["telegram"])
        queued = await announce(
            db, to="all", text="ประกาศทดสอบระบบแจ้งเตือน GIN Conference", created_by="bench"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
        env.update(
            GINBOT_DATABASE_URL=db.url,
            GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
            # LINE is switched on only with both credentials (the worker uses the token alone).
            GINBOT_LINE_CHANNEL_SECRET="bench-line-secret",
            GINBOT_LINE_API_BASE=urls["line"],
            GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            GINBOT_TELEGRAM_API_BASE=f"{urls['telegram']}/bot",
            GINBOT_TELEGRAM_RATE_PER_S=str(args.telegram_rate),
            GINBOT_LINE_REQUESTS_PER_S=str(args.line_rate),
            GINBOT_SENDER_BATCH_SIZE=str(args.batch_size),
            GINBOT_SENDER_CONCURRENCY=str(args.concurrency),
            GINBOT_PLANNER_INTERVAL_S="1",
            GINBOT_SENDER_IDLE_POLL_S="0.2",
            GINBOT_LOG_JSON="false",
        )
        logs = [Path(tempfile.gettempdir()) / f"{name}-{i}.log" for i in range(workers)]
        started = time.monotonic()
        procs = [spawn([sys.executable, "-m", "ginbot", "worker"], env, log) for log in logs]
        rss_samples: list[float] = []
        while True:
            await asyncio.sleep(1.0)
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {proc.returncode}; see {log}")
            rss_samples.append(sum(rss_mb(proc.pid, "VmRSS") for proc in procs))
            left, total = await left_to_send(db)
            if total == queued.recipients and left == 0:
                break
            if time.monotonic() - started > args.timeout_s:
                raise RuntimeError(f"not done after {args.timeout_s} s ({left} of {total} left); see {logs}")
        elapsed_s = time.monotonic() - started
        peak_mb = max(rss_mb(proc.pid, "VmHWM") for proc in procs)
        worker_cpu_s = sum(cpu_s(proc.pid) for proc in procs)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
        line_after, tg_after = stats(urls["line"]), stats(urls["telegram"])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        await db.close()
        await drop_pg_database(name)

    def delta(key: str, after: dict[str, object], before: dict[str, object]) -> int:
        return int(after[key]) - int(before[key])  # type: ignore[call-overload]

    tg_messages = delta("messages", tg_after, tg_before)
    tg_span_s = float(tg_after["last_s"] or 0) - float(tg_after["first_s"] or 0)  # type: ignore[arg-type]
    tg_rate = tg_messages / tg_span_s if tg_span_s > 0 else 0.0
    expected_line, expected_tg = (n + 1) // 2, n // 2
    per_second = [int(c) for c in tg_after["per_second"]]  # type: ignore[attr-defined]
    return {
        "recipients": n,
        "workers": workers,
        "total_s": round(elapsed_s, 1),
        "telegram_messages": tg_messages,
        "telegram_rate_per_s": round(tg_rate, 1),
        "telegram_limit_per_s": args.telegram_rate,
        "telegram_rate_pct_of_limit": round(100 * tg_rate / args.telegram_rate, 1),
        # Whole seconds from the first message (the first and last are partial), and any 1-s window.
        "telegram_most_in_a_second": max(per_second[1:-1] or per_second or [0]),
        "telegram_busiest_window": tg_after["busiest_second"],
        "line_multicasts": delta("multicasts", line_after, line_before),
        "line_messages": delta("messages", line_after, line_before),
        "peak_rss_mb": round(peak_mb, 1),
        "worker_cpu_s": round(worker_cpu_s, 1),
        "worker_cpu_ms_per_message": round(1000 * worker_cpu_s / max(1, n), 2),
        "rss_mb_at_start_mid_end": [
            round(rss_samples[0], 1),
            round(rss_samples[len(rss_samples) // 2], 1),
            round(rss_samples[-1], 1),
        ],
        "duplicates": delta("duplicates", line_after, line_before) + delta("duplicates", tg_after, tg_before),
        "losses": (expected_line - delta("recipients", line_after, line_before))
        + (expected_tg - delta("recipients", tg_after, tg_before)),
    }


def spawn(cmd: list[str], env: dict[str, str] | None, log: Path | None) -> subprocess.Popen[bytes]:
    if log is None:
        return subprocess.Popen(cmd, cwd=ROOT, env=env)
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)


def wait_for_file(path: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists() or not path.read_text():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the stubs did not start ({path})")
        time.sleep(0.1)


async def run_all(args: argparse.Namespace, tmp: Path) -> list[dict[str, object]]:
    results = []
    for n in args.sizes:
        for workers in args.workers:
            # Fresh stubs per run, in their own process, so the workers' memory and CPU are measured alone
            # and the stub's per-second counts are this run's.
            port_file = tmp / f"stubs-{n}-{workers}.json"
            stubs = spawn([sys.executable, __file__, "--serve-stubs", str(port_file)], None, None)
            try:
                await asyncio.to_thread(wait_for_file, port_file)
                result = await run_one(n, workers, args, json.loads(port_file.read_text()))
            finally:
                stubs.send_signal(signal.SIGTERM)
                await asyncio.to_thread(stubs.wait, 30)
            results.append(result)
            print(json.dumps(result), flush=True)
    return results


def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(run_all(args, Path(tmp)))
    print()
    print(f"Telegram limit: {args.telegram_rate:g}/s for the whole deployment (every worker together)")
    print(
        f"{'recipients':>10} {'workers':>7} {'total s':>8} {'tg msg/s':>9} {'% limit':>8} {'max/s':>6} "
        f"{'max 1s':>6} {'peak MB':>8} {'dup':>4} {'lost':>5}"
    )
    for r in results:
        print(
            f"{r['recipients']:>10,} {r['workers']:>7} {r['total_s']:>8} {r['telegram_rate_per_s']:>9} "
            f"{r['telegram_rate_pct_of_limit']:>8} {r['telegram_most_in_a_second']:>6} "
            f"{r['telegram_busiest_window']:>6} {r['peak_rss_mb']:>8} {r['duplicates']:>4} {r['losses']:>5}"
        )
    ok = all(r["duplicates"] == 0 and r["losses"] == 0 for r in results)
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000])
    parser.add_argument(
        "--telegram-rate", type=float, default=100.0, help="GINBOT_TELEGRAM_RATE_PER_S for the run"
    )
    parser.add_argument(
        "--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2], help="worker counts to run"
    )
    parser.add_argument("--line-rate", type=float, default=50.0, help="LINE multicast requests per second")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout-s", type=float, default=900.0)
    parser.add_argument("--serve-stubs", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    cli_args = parse_args()
    if cli_args.serve_stubs:
        asyncio.run(serve_stubs(cli_args.serve_stubs))
        sys.exit(0)
    sys.exit(main(cli_args))
