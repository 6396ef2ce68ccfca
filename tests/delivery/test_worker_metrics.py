"""`ginbot worker` with GINBOT_METRICS_PORT: Prometheus sees what the worker delivered and what still waits."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import aiohttp

from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.testing.telegram_stub import TelegramStub
from tests.delivery.conftest import TELEGRAM_TOKEN, Person, add_people, line_id, seed_campaign, telegram_id
from tests.delivery.test_crash import start_worker, wait_for, worker_env
from tests.observability.serving import free_port

N_TELEGRAM, N_LINE = 12, 3


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in a Prometheus text scrape, None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return None


async def test_the_worker_serves_its_deliveries_and_the_outbox_depth(db: Database, tmp_path: Path) -> None:
    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(i), "rd") for i in range(N_TELEGRAM)])
    # This worker has no LINE token: the LINE messages wait, and the scrape must say so.
    await add_people(db, [Person("line", line_id(i), "dga") for i in range(N_LINE)])
    telegram = await TelegramStub(TELEGRAM_TOKEN).start()
    port = free_port()
    log = tmp_path / "worker.log"
    env = worker_env(db, None, telegram) | {"GINBOT_METRICS_PORT": str(port), "GINBOT_HOST": "127.0.0.1"}
    url = f"http://127.0.0.1:{port}/metrics"
    worker = None
    try:
        await announce(db, to="all", text="ทดสอบตัวชี้วัดของ worker", created_by="test")
        worker = start_worker(env, log)
        scraped: list[str] = []

        async def all_sent() -> bool:
            try:
                async with aiohttp.ClientSession() as http, http.get(url) as resp:
                    scraped.append(await resp.text())
            except aiohttp.ClientError:
                return False  # not listening yet
            # Both in one scrape: the depth query may run just before the sender records its last batch.
            return (
                sample(scraped[-1], "ginbot_deliveries_total", channel="telegram", outcome="sent") == N_TELEGRAM
                and sample(scraped[-1], "ginbot_outbox_queued", channel="telegram") == 0
            )

        await wait_for(all_sent, 60, "the worker's /metrics to count every delivery", log)
        assert sample(scraped[-1], "ginbot_outbox_queued", channel="telegram") == 0
        assert sample(scraped[-1], "ginbot_outbox_queued", channel="line") == N_LINE
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        await telegram.close()
