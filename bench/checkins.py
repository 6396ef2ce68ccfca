"""Check-in planner benchmark: how long one planner pass takes when cohort 1's N subscribers are due their
first check-in (09:00 on 1 July 2563), and how long the passes after it take (every 30 s while the
campaign is open: nothing new to queue, but the SQL still looks). Half the people have answered already
(a third of those "not installed", so the nudge query has work), the rest get the question.

    .venv/bin/python bench/checkins.py                 # SQLite, 10,000 and 50,000 subscribers
    .venv/bin/python bench/checkins.py --sizes 20000 --postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from ginbot.core.content import Content  # noqa: E402
from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.models import Agency, ChatUser, Readiness  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.delivery.checkins import CheckinMessage  # noqa: E402
from ginbot.delivery.planner import plan_once  # noqa: E402
from ginbot.delivery.policy import load_checkin_policy  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database, seed  # noqa: E402

CONTENT = Content.load(ROOT / "data" / "answers.yml")
CHECKINS = (
    load_checkin_policy(ROOT / "data" / "checkins.yml"),
    CheckinMessage.from_content(CONTENT),
)
FIRST = datetime(2020, 7, 1, 2, 0, tzinfo=UTC)  # 09:00 Bangkok, cohort 1's migration day


async def run(url: str, size: int) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        await seed(db)
        async with db.session() as session:
            agencies = (await session.scalars(select(Agency.id).where(Agency.cohort == 1))).all()
            rows = [
                {"channel": "line" if i % 2 else "telegram", "platform_user_id": f"p{i}",
                 "agency_id": agencies[i % len(agencies)], "subscribed": True, "blocked": False}
                for i in range(size)
            ]  # fmt: skip
            for i in range(0, size, 5000):
                await session.execute(insert(ChatUser), rows[i : i + 5000])
        async with db.session() as session:
            ids = (await session.scalars(select(ChatUser.id).order_by(ChatUser.id))).all()
            answered = [
                {"user_id": u, "status": "not_installed" if n % 3 == 0 else "ready", "source": "text",
                 "reported_at": datetime(2020, 6, 29, 3, 0, tzinfo=UTC)}
                for n, u in enumerate(ids[::2])
            ]  # fmt: skip
            for i in range(0, len(answered), 5000):
                await session.execute(insert(Readiness), answered[i : i + 5000])
        started = time.perf_counter()
        result = await plan_once(db, None, FIRST, 0, CHECKINS)
        first_s = time.perf_counter() - started
        queued = result.checkins.queued if result.checkins else 0
        times = []
        for n in range(5):
            started = time.perf_counter()
            again = await plan_once(db, None, FIRST.replace(minute=1 + n), 0, CHECKINS)
            times.append(time.perf_counter() - started)
            assert again.checkins is not None and again.checkins.queued == 0
        print(
            f"{db.engine.dialect.name:10} {size:>7,} subscribers: first pass {first_s * 1000:7.0f} ms "
            f"({queued:,} queued); later passes median {sorted(times)[2] * 1000:6.0f} ms"
        )
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        if args.postgres:
            name = f"ginbot_bench_{uuid.uuid4().hex[:8]}"
            try:
                await run(await create_pg_database(name), size)
            finally:
                await drop_pg_database(name)
        else:
            with tempfile.TemporaryDirectory() as folder:
                await run(f"sqlite+aiosqlite:///{folder}/bench.db", size)


if __name__ == "__main__":
    asyncio.run(main())
