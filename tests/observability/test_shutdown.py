"""SIGTERM (what `docker stop` sends): requests in progress finish, new ones are refused with 503, the
current send batch completes, the process exits 0 and says so, and a restart loses nothing."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.observability import http as observability_http
from ginbot.observability import metrics
from ginbot.settings import load_settings
from ginbot.testing.line_stub import LineStub
from ginbot.testing.telegram_stub import TelegramStub
from ginbot.web import lifecycle
from tests.observability.serving import (
    START_TIMEOUT_S,
    STOP_TIMEOUT_S,
    free_port,
    ginbot_command,
    ginbot_env,
    run,
    wait_healthy_async,
)

LINE_SECRET = "shutdown-test-line-channel-secret"
LINE_TOKEN = "shutdown-test-line-access-token"
TELEGRAM_TOKEN = "123456789:shutdown-test-telegram-token"
SHUTTING_DOWN = "shutdown: refusing new requests, finishing the ones in progress"


async def start_serve(env: dict[str, str], cwd: Path, log: Path) -> asyncio.subprocess.Process:
    # stderr to a file: a pipe nobody reads would fill up and stall the server mid-test.
    with log.open("a") as stderr:
        return await asyncio.create_subprocess_exec(
            *ginbot_command("serve"), env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=stderr
        )


async def stop(
    proc: asyncio.subprocess.Process, log: Path, *, signalled: bool = False
) -> list[dict[str, object]]:
    """SIGTERM (unless ``signalled`` already), wait for the exit, check it was clean; the JSON log lines."""
    if not signalled:
        proc.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"ginbot ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s:\n{log.read_text()}") from None
    assert code == 0, log.read_text()
    # stderr is not a terminal here, so every line is a JSON object.
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [e["message"] for e in entries]
    assert SHUTTING_DOWN in messages
    assert messages[-1] == "ginbot stopped cleanly", log.read_text()
    assert not [e for e in entries if e["level"] in ("ERROR", "CRITICAL")], log.read_text()
    return entries


async def test_requests_in_progress_finish_and_new_ones_are_refused() -> None:
    """The gate on its own, driven the way run_app drives it (on_shutdown, then waiting for handlers)."""
    app = web.Application()
    lifecycle.install(app)
    observability_http.install(app, load_settings({}))
    entered, finish = asyncio.Event(), asyncio.Event()

    async def slow_webhook(request: web.Request) -> web.Response:
        entered.set()
        await finish.wait()
        return web.json_response({})

    app.router.add_post("/line/webhook", slow_webhook)
    refused_before = metrics.sample("ginbot_webhook_rejections_total", channel="line", reason="shutting_down")
    async with TestClient(TestServer(app)) as client:
        in_progress = asyncio.create_task(client.post("/line/webhook", data=b"{}"))
        await entered.wait()
        await app.shutdown()  # what SIGTERM triggers
        refused = await client.post("/line/webhook", data=b"{}")
        health = await client.get("/healthz")
        scrape = await client.get("/metrics")
        finish.set()
        answered = await in_progress
    assert answered.status == 200
    assert refused.status == 503 and int(refused.headers["Retry-After"]) > 0
    assert health.status == 503, "a load balancer must stop sending traffic here"
    assert scrape.status == 200
    refused_after = metrics.sample("ginbot_webhook_rejections_total", channel="line", reason="shutting_down")
    assert refused_after - refused_before == 1


async def add_subscribers(url: str, line_users: list[str], telegram_chats: list[str]) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            await session.execute(
                insert(ChatUser),
                [{"channel": "line", "platform_user_id": u, "agency_id": "rd", "subscribed": True} for u in line_users]
                + [
                    {"channel": "telegram", "platform_user_id": c, "agency_id": "rd", "subscribed": True}
                    for c in telegram_chats
                ],
            )
    finally:
        await db.close()


@pytest.mark.timeout(600)  # five ginbot processes in a row, each training its NLU on a busy machine
async def test_sigterm_mid_broadcast_stops_cleanly_and_a_restart_loses_nothing(tmp_path: Path) -> None:
    """`ginbot serve` seeded by `ginbot db seed`, LINE and Telegram pointed at the stubs, a broadcast queued
    by `ginbot broadcast`: SIGTERM while a send is in flight on each channel, check the clean exit, start
    again, and check at the stubs that everyone got the announcement, on LINE exactly once.

    The stubs hold the first LINE multicast and the first Telegram message unanswered, so the SIGTERM lands
    mid-broadcast by construction, not by timing: they answer only once ginbot says it is shutting down."""
    text = "ประกาศ: ทดสอบการหยุดระบบกลางการส่ง"
    line_users = [f"U{n:032x}" for n in range(60)]
    telegram_chats = [str(500_000 + n) for n in range(30)]
    port = free_port()
    database = tmp_path / "ginbot.db"
    async with LineStub(access_token=LINE_TOKEN) as line, TelegramStub(TELEGRAM_TOKEN) as telegram:
        env = ginbot_env(
            database,
            port,
            GINBOT_LINE_CHANNEL_SECRET=LINE_SECRET,
            GINBOT_LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
            GINBOT_LINE_API_BASE=line.url,
            GINBOT_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            GINBOT_TELEGRAM_API_BASE=telegram.api_base,
            # Small batches: the held ones are a small part of the broadcast.
            GINBOT_LINE_MULTICAST_SIZE="10",
            GINBOT_SENDER_BATCH_SIZE="5",
            # The held requests must outlast the wait for SIGTERM's log line, however slow the machine.
            GINBOT_SEND_TIMEOUT_S="300",
            GINBOT_SENDER_IDLE_POLL_S="0.2",
            GINBOT_PLANNER_INTERVAL_S="0.5",
        )
        await run("db", "seed", env=env, cwd=tmp_path)
        await add_subscribers(f"sqlite+aiosqlite:///{database}", line_users, telegram_chats)
        queued = await run("broadcast", "--to", "all", text, env=env, cwd=tmp_path)
        assert "recipients: 90" in queued, queued
        broadcast_id = re.search(r"broadcast id: (\d+)", queued).group(1)  # type: ignore[union-attr]

        def received() -> int:
            return sum(text in line.texts_to(u) for u in line_users) + sum(
                text in telegram.texts_to(c) for c in telegram_chats
            )

        log = tmp_path / "serve.log"
        line.hang("multicast")
        telegram.hang("sendMessage")
        proc = await start_serve(env, tmp_path, log)
        try:
            await wait_healthy_async(port, proc, log)
            await wait_until(lambda: line.hanging and telegram.hanging, "a send in flight on each channel", log)
            proc.send_signal(signal.SIGTERM)
            await wait_until(lambda: SHUTTING_DOWN in log.read_text(), "ginbot to begin its shutdown", log)
            line.release()
            telegram.release()
            await stop(proc, log, signalled=True)
            received_before_restart = received()
            # At most the two held batches (10 on LINE, 5 on Telegram) went out before the stop.
            assert 2 <= received_before_restart <= 15, received_before_restart

            proc = await start_serve(env, tmp_path, log)
            await wait_healthy_async(port, proc, log)
            await wait_until(lambda: received() == 90, "every recipient to get the broadcast", log)
            await stop(proc, log)
        finally:
            if proc.returncode is None:
                proc.kill()

        for user in line_users:
            assert line.texts_to(user).count(text) == 1, f"LINE user {user} got {line.texts_to(user).count(text)}"
        for chat in telegram_chats:
            assert telegram.texts_to(chat).count(text) >= 1
        # A graceful stop finishes the batch it is sending, so Telegram gets no repeats either.
        assert sum(telegram.texts_to(c).count(text) for c in telegram_chats) == 30

    status = json.loads(await run("broadcast", "--status", broadcast_id, "--json", env=env, cwd=tmp_path))
    assert (status["sent"], status["failed"], status["possibly_duplicated"]) == (90, 0, 0), status


async def wait_until(condition: object, what: str, log: Path) -> None:
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_S
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}:\n{log.read_text()[-5000:]}")
        await asyncio.sleep(0.05)
