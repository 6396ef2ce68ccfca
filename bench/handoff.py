"""Staff reply -> the official's own channel, at the stubs, with many conversations open.

ginbot (the real bot, the Telegram staff group, the in-process sender) and the LINE and Telegram stubs run
in this process. N officials (half on LINE, half on Telegram) ask for a person; then staff answer them in
the staff group by replying to ginbot's posts, round-robin, at a fixed rate. A reply's latency is the time
from the staff member's webhook leaving the client to the LINE push or Telegram sendMessage carrying it
reaching the stub. Prints figures only.

    .venv/bin/python bench/handoff.py [--conversations 50] [--replies 300] [--rate 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ginbot.core.clock import Clock  # noqa: E402
from ginbot.core.content import Content  # noqa: E402
from ginbot.core.dialogue import Bot  # noqa: E402
from ginbot.core.understanding import NluUnderstanding  # noqa: E402
from ginbot.db.csv_import import import_file  # noqa: E402
from ginbot.db.migrate import upgrade  # noqa: E402
from ginbot.db.session import Database  # noqa: E402
from ginbot.nlu.engine import Nlu  # noqa: E402
from ginbot.settings import load_settings  # noqa: E402
from ginbot.testing.line_stub import LineStub  # noqa: E402
from ginbot.testing.payloads import (  # noqa: E402
    line_body,
    line_headers,
    line_text_event,
    line_user_id,
    telegram_group_update,
    telegram_headers,
    telegram_text_update,
)
from ginbot.testing.stub_server import RecordedRequest  # noqa: E402
from ginbot.testing.telegram_stub import DEFAULT_TOKEN, TelegramStub  # noqa: E402
from ginbot.web.app import create_app  # noqa: E402

LINE_SECRET, LINE_TOKEN = "bench-line-secret", "bench-line-token"
TG_SECRET = "bench-telegram-secret"
STAFF_CHAT, STAFF_MEMBER = -1009999, 4242


async def wait_until(condition: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the setup did not finish")
        await asyncio.sleep(0.01)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


async def run(conversations: int, replies: int, rate: float, database_url: str | None) -> None:
    tmp = tempfile.TemporaryDirectory()
    url = database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}"
    db = Database(url)
    await upgrade(db)
    async with db.session() as s:
        await import_file(s, "cohorts", ROOT / "data" / "cohorts.csv")
    async with db.session() as s:
        await import_file(s, "agencies", ROOT / "data" / "agencies.csv")
    line, telegram = LineStub(access_token=LINE_TOKEN), TelegramStub(DEFAULT_TOKEN)
    await line.start()
    await telegram.start()
    arrived: dict[str, float] = {}
    copies: Counter[str] = Counter()

    def record(request: RecordedRequest) -> None:
        texts: list[str] = []
        if request.endpoint == "push" and request.accepted:
            texts = [m.get("text", "") for m in request.body.get("messages", [])]
        elif request.endpoint == "sendMessage" and str(request.body.get("chat_id")) != str(STAFF_CHAT):
            texts = [str(request.body.get("text", ""))]
        for text in texts:
            arrived.setdefault(text, request.received_at)
            copies[text] += 1

    line.on_request = record
    telegram.on_request = record
    settings = load_settings(
        {
            "GINBOT_DATABASE_URL": url,
            "GINBOT_LINE_CHANNEL_SECRET": LINE_SECRET,
            "GINBOT_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "GINBOT_LINE_API_BASE": line.url,
            "GINBOT_TELEGRAM_TOKEN": DEFAULT_TOKEN,
            "GINBOT_TELEGRAM_API_BASE": telegram.api_base,
            "GINBOT_TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
            "GINBOT_PUBLIC_URL": "https://bot.example.go.th",
            "GINBOT_TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT),
            "GINBOT_TELEGRAM_STAFF_IDS": str(STAFF_MEMBER),
            "GINBOT_PLANNER_INTERVAL_S": "3600",
            "GINBOT_LOG_LEVEL": "WARNING",
        }
    )
    nlu = Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")
    bot = Bot(db, NluUnderstanding(nlu), Content.load(ROOT / "data" / "answers.yml"), Clock())
    app = create_app(settings, db=db, bot=bot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    from ginbot.web.webhooks import CHANNELS_KEY

    channels = app[CHANNELS_KEY]
    assert channels.telegram is not None
    await channels.telegram.started()

    async with aiohttp.ClientSession(base) as client:

        async def line_says(user: str, text: str) -> None:
            body = line_body(line_text_event(user, text))
            async with client.post("/line/webhook", data=body, headers=line_headers(LINE_SECRET, body)) as r:
                assert r.status == 200

        async def telegram_says(update: dict[str, Any]) -> None:
            async with client.post("/telegram/webhook", data=json.dumps(update).encode(),
                                   headers=telegram_headers(TG_SECRET)) as r:  # fmt: skip
                assert r.status == 200

        people: list[tuple[str, str]] = []
        for n in range(conversations):
            if n % 2 == 0:
                people.append(("line", line_user_id(10_000 + n)))
                await line_says(people[-1][1], "ขอคุยกับเจ้าหน้าที่ค่ะ")
            else:
                chat = 70_000_000 + n
                people.append(("telegram", str(chat)))
                await telegram_says(telegram_text_update(chat, "ขอคุยกับเจ้าหน้าที่ค่ะ"))
        await wait_until(lambda: len(telegram.posts_to(STAFF_CHAT)) >= conversations)
        posts = telegram.posts_to(STAFF_CHAT)[:conversations]
        print(f"{conversations} conversations open ({sum(p[0] == 'line' for p in people)} LINE, "
              f"{sum(p[0] == 'telegram' for p in people)} Telegram); {replies} staff replies at {rate:g}/s "
              f"on {'PostgreSQL' if database_url else 'SQLite'}")  # fmt: skip

        sent_at: dict[str, float] = {}
        interval_s = 1.0 / rate
        start = time.monotonic()
        tasks = []
        for i in range(replies):
            target = start + i * interval_s
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            text = f"ตอบครั้งที่ {i} ค่ะ"
            sent_at[f"{settings.handoff_staff_label}: {text}"] = time.monotonic()
            update = telegram_group_update(STAFF_CHAT, STAFF_MEMBER, text, reply_to=posts[i % conversations])
            tasks.append(asyncio.create_task(telegram_says(update)))
        await asyncio.gather(*tasks)
        await wait_until(lambda: all(k in arrived for k in sent_at), 120)
        elapsed_s = time.monotonic() - start

    latencies_ms = [(arrived[k] - t) * 1000 for k, t in sent_at.items()]
    await runner.cleanup()
    await line.close()
    await telegram.close()
    await db.close()
    tmp.cleanup()
    doubled = sum(copies[k] - 1 for k in sent_at if copies[k] > 1)
    print(f"delivered {len(latencies_ms)}/{replies} in {elapsed_s:.1f} s; delivered twice: {doubled}")
    print(
        "staff reply -> official's channel (ms): "
        f"p50 {statistics.median(latencies_ms):.0f}, p90 {pct(latencies_ms, 90):.0f}, "
        f"p99 {pct(latencies_ms, 99):.0f}, max {max(latencies_ms):.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="staff replies per second")
    parser.add_argument("--postgres", metavar="URL", help="postgresql+asyncpg://… (an empty database)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.conversations, args.replies, args.rate, args.postgres))


if __name__ == "__main__":
    main()
