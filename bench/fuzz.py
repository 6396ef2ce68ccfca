"""20,000 hostile and odd inputs through Bot.handle() on SQLite and PostgreSQL: crashes, unanswered inputs,
and how long the slowest took. Prints figures only.

The inputs (ginbot/testing/fuzz.py, seeded): Thai, ASCII, mixed, control characters (NUL, bidi overrides,
lone surrogates), emoji, combining-mark pile-ups, 2,000–20,000-character pastes, whitespace only, and real
questions wrapped in noise; thirty people on LINE, Telegram and the web chat.

    .venv/bin/python bench/fuzz.py [--inputs 20000] [--seed 12] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ginbot.core.clock import Clock  # noqa: E402
from ginbot.core.content import Content  # noqa: E402
from ginbot.core.dialogue import Bot  # noqa: E402
from ginbot.core.messages import IncomingMessage  # noqa: E402
from ginbot.core.understanding import NluUnderstanding  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.nlu.engine import Nlu  # noqa: E402
from ginbot.testing.fuzz import inputs  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database, seed  # noqa: E402

CHANNELS = ("line", "telegram", "web")


async def run(url: str, nlu: Nlu, content: Content, count: int, seed_value: int) -> dict[str, float]:
    from ginbot.db.migrate import upgrade

    db = Database(url)
    await upgrade(db)
    await seed(db)
    bot = Bot(db, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    crashes = unanswered = 0
    latencies: list[float] = []
    first_crash = ""
    started = time.perf_counter()
    for i, text in enumerate(inputs(count, seed_value)):
        message = IncomingMessage(CHANNELS[i % 3], f"fuzz-{i % 30}", text)
        t0 = time.perf_counter()
        try:
            outcome = await bot.respond(message)
        except Exception as exc:
            crashes += 1
            first_crash = first_crash or f"input {i}: {exc!r}"
            continue
        latencies.append(time.perf_counter() - t0)
        if outcome.handoff and not outcome.replies:
            continue  # handed to staff: the bot rightly stays quiet
        if not outcome.replies or not all(r.text.strip() for r in outcome.replies):
            unanswered += 1
    total_s = time.perf_counter() - started
    await db.close()
    q = statistics.quantiles(latencies, n=100)
    if first_crash:
        print(f"  first crash: {first_crash}")
    return {
        "crashes": crashes,
        "unanswered": unanswered,
        "per_s": count / total_s,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "max_ms": max(latencies) * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    nlu = Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")
    content = Content.load(ROOT / "data" / "answers.yml")
    rows = []
    tmp = Path("/tmp") / f"ginbot-fuzz-{uuid.uuid4().hex[:8]}.db"
    try:
        rows.append(("SQLite", await run(f"sqlite+aiosqlite:///{tmp}", nlu, content, args.inputs, args.seed)))
    finally:
        tmp.unlink(missing_ok=True)
    if not args.no_postgres:
        name = f"ginbot_fuzz_{uuid.uuid4().hex[:8]}"
        url = await create_pg_database(name)
        try:
            rows.append(("PostgreSQL", await run(url, nlu, content, args.inputs, args.seed)))
        finally:
            await drop_pg_database(name)
    print(f"\n{args.inputs} fuzz inputs (seed {args.seed}) through Bot.handle; load average {os.getloadavg()[0]:.1f}")
    print(f"{'backend':12} {'crashes':>8} {'unanswered':>11} {'inputs/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, r in rows:
        print(
            f"{label:12} {r['crashes']:8.0f} {r['unanswered']:11.0f} {r['per_s']:9.0f} {r['p50_ms']:8.2f}"
            f" {r['p99_ms']:8.2f} {r['max_ms']:8.1f}"
        )
    print("target: 0 crashes, 0 unanswered")


if __name__ == "__main__":
    asyncio.run(main())
