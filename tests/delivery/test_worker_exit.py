"""A worker that fails, fails loudly: if one of its runners dies, /healthz says so (503, naming it) and
`ginbot worker` exits non-zero, so the orchestrator restarts it instead of keeping a process that sends
nothing. A signal still stops it cleanly, with 0."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from ginbot.delivery import commands
from ginbot.delivery.runner import DeliveryRunner
from ginbot.delivery.sender import Sender
from ginbot.observability import metrics
from ginbot.observability.http import serve_metrics
from ginbot.settings import Settings, load_settings
from ginbot.testing.telegram_stub import TelegramStub
from tests.conftest import ROOT
from tests.delivery.conftest import TELEGRAM_TOKEN
from tests.observability.serving import free_port

# Start-up (migrations, PTB's getMe) on a loaded machine, and the exit after the failure: ceilings that
# together stay under pytest's 120 s per test.
START_S = 60.0
EXIT_S = 40.0


async def healthz(port: int) -> tuple[int, dict[str, object]]:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            return resp.status, await resp.json()
    except aiohttp.ClientError:
        return 0, {}


def worker_settings(tmp_path: Path, telegram: TelegramStub, port: int) -> Settings:
    return load_settings({
        "GINBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}",
        "GINBOT_DATA_DIR": str(ROOT / "data"), "GINBOT_INTENTS_DIR": str(ROOT / "intents"),
        "GINBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "GINBOT_TELEGRAM_API_BASE": telegram.api_base,
        "GINBOT_METRICS_PORT": str(port), "GINBOT_HOST": "127.0.0.1",
    })  # fmt: skip


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramStub]:
    async with TelegramStub(TELEGRAM_TOKEN) as stub:
        yield stub
    metrics.set_outbox_depth_source(None)


async def until_healthy(port: int, worker: asyncio.Task[int]) -> None:
    deadline = asyncio.get_running_loop().time() + START_S
    while (await healthz(port))[0] != 200:
        assert not worker.done(), "the worker ended before it was healthy"
        assert asyncio.get_running_loop().time() < deadline, "the worker never became healthy"
        await asyncio.sleep(0.05)


async def test_the_worker_exits_non_zero_when_its_sender_dies(
    tmp_path: Path, telegram: TelegramStub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    breaks = asyncio.Event()

    async def run_until_a_bug(self: Sender, stop: asyncio.Event) -> None:
        await breaks.wait()
        raise RuntimeError("a bug in the sender")

    monkeypatch.setattr(Sender, "run", run_until_a_bug)
    port = free_port()
    worker = asyncio.create_task(commands.worker(worker_settings(tmp_path, telegram, port)))
    try:
        await until_healthy(port, worker)
        breaks.set()
        code = await asyncio.wait_for(worker, EXIT_S)
    finally:
        worker.cancel()
    assert code == 1
    err = capsys.readouterr().err
    assert "ginbot-sender died: RuntimeError('a bug in the sender')" in err and "exiting with 1" in err
    # The signal handlers went with it: Ctrl-C is Python's again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


async def test_a_signal_stops_a_healthy_worker_with_0(tmp_path: Path, telegram: TelegramStub) -> None:
    port = free_port()
    worker = asyncio.create_task(commands.worker(worker_settings(tmp_path, telegram, port)))
    try:
        await until_healthy(port, worker)
        signal.raise_signal(signal.SIGTERM)
        code = await asyncio.wait_for(worker, EXIT_S)
    finally:
        worker.cancel()
    assert code == 0


async def test_healthz_answers_503_naming_the_runner_that_died(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def planner_bug(self: DeliveryRunner) -> None:
        raise RuntimeError("a bug in the planner")

    monkeypatch.setattr(DeliveryRunner, "_planner_loop", planner_bug)
    from ginbot.db.migrate import upgrade
    from ginbot.db.session import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'health.db'}")
    await upgrade(db)
    runner = DeliveryRunner(load_settings({}), db, transports={"telegram": _Silent()})
    port = free_port()
    server = await serve_metrics("127.0.0.1", port, healthy=runner.health)
    try:
        assert (await healthz(port))[0] == 503, "not started yet"
        await runner.start()
        with pytest.raises(RuntimeError, match="a bug in the planner"):
            await asyncio.wait_for(runner.wait(), EXIT_S)
        status, body = await healthz(port)
        assert status == 503 and body["failed"] == "ginbot-planner died: RuntimeError('a bug in the planner')"
    finally:
        await server.cleanup()
        await runner.stop()
        await db.close()


class _Silent:
    """A transport that is never asked to send in this test."""

    async def send(self, to: list[str], reply: object, retry_key: str) -> None:
        raise AssertionError("nothing is sent")

    async def close(self) -> None:
        return None
