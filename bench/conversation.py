"""Turns per second through Bot.handle() on SQLite and PostgreSQL, with p50/p99 latency per turn.

A realistic mix: date questions naming agencies, ask-back and answers, guides, small talk, and
out-of-scope texts, spread over many users so state reads and writes are real. One turn at a time (the
latency a person sees), then many people at once (how group commit shares transactions). Prints figures
only.

    .venv/bin/python bench/conversation.py [--turns 2000] [--at-once 32] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mix import CHAT_MIX  # noqa: E402
from ginbot.core.clock import Clock  # noqa: E402
from ginbot.core.content import Content  # noqa: E402
from ginbot.core.dialogue import Bot  # noqa: E402
from ginbot.core.messages import IncomingMessage  # noqa: E402
from ginbot.core.understanding import NluUnderstanding  # noqa: E402
from ginbot.db.csv_import import import_file  # noqa: E402
from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.nlu.engine import Nlu  # noqa: E402
from ginbot.web.lifecycle import settle_heap  # noqa: E402


async def run(
    url: str, nlu: Nlu, content: Content, turns: int, users: int, at_once: int = 1
) -> dict[str, float]:
    """``at_once`` people talking at the same time (a closed loop); 1 is one turn after another."""
    db = Database(url)
    await upgrade(db)
    async with db.session() as s:
        await import_file(s, "cohorts", ROOT / "data" / "cohorts.csv")
    async with db.session() as s:
        await import_file(s, "agencies", ROOT / "data" / "agencies.csv")
    bot = Bot(db, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    await bot.handle(IncomingMessage("line", "warm-up", "สวัสดี"))
    latencies: list[float] = []
    queue = list(reversed(range(turns)))

    async def person_after_person() -> None:
        while queue:
            i = queue.pop()
            message = IncomingMessage("line", f"user-{i % users}", CHAT_MIX[i % len(CHAT_MIX)])
            t0 = time.perf_counter()
            await bot.handle(message)
            latencies.append(time.perf_counter() - t0)

    transactions_before = bot.transactions
    started = time.perf_counter()
    await asyncio.gather(*(person_after_person() for _ in range(at_once)))
    total = time.perf_counter() - started
    transactions = bot.transactions - transactions_before
    await db.close()
    q = statistics.quantiles(latencies, n=100)
    return {
        "turns_per_s": turns / total,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "turns_per_transaction": turns / transactions,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--at-once", type=int, default=32, help="people talking at once in the concurrent run")
    args = parser.parse_args()
    nlu = Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")
    content = Content.load(ROOT / "data" / "answers.yml")
    settle_heap()  # as `ginbot serve` does once started: no full-GC pauses over the NLU's objects
    tmp = Path("/tmp") / f"ginbot-bench-{uuid.uuid4().hex[:8]}.db"
    rows = [("sqlite", await run(f"sqlite+aiosqlite:///{tmp}", nlu, content, args.turns, args.users))]
    tmp.unlink(missing_ok=True)
    rows.append(
        (f"sqlite, {args.at_once} at once", await run(f"sqlite+aiosqlite:///{tmp}", nlu, content, args.turns, args.users, args.at_once))
    )
    tmp.unlink(missing_ok=True)
    if not args.no_postgres:
        import asyncpg

        name = f"ginbot_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(host="127.0.0.1", user="postgres", database="test")
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1/{name}"
            rows.append(("postgres", await run(url, nlu, content, args.turns, args.users)))
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()
    print(f"{'backend':20} {'turns/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'turns/txn':>10}   ({args.turns} turns, {args.users} users)")
    for name, r in rows:
        print(f"{name:20} {r['turns_per_s']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['turns_per_transaction']:10.1f}")
    print("target: p99 < 10 ms on SQLite, one turn at a time (the first row)")


if __name__ == "__main__":
    asyncio.run(main())
