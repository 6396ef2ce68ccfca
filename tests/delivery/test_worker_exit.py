"""A worker that fails, fails loudly: if its sender dies, /healthz says so and `ginbot worker` exits
non-zero, so the orchestrator restarts it instead of keeping a process that sends nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from ginbot.delivery import commands
from ginbot.delivery.sender import Sender
from ginbot.settings import load_settings
from ginbot.testing.telegram_stub import TelegramStub
from tests.conftest import ROOT
from tests.delivery.conftest import TELEGRAM_TOKEN
from tests.observability.serving import free_port

WAIT_S = 60.0


async def healthz(port: int) -> int:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            return resp.status
    except aiohttp.ClientError:
        return 0


async def test_the_worker_exits_non_zero_when_its_sender_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    breaks = asyncio.Event()

    async def run_until_a_bug(self: Sender, stop: asyncio.Event) -> None:
        await breaks.wait()
        raise RuntimeError("a bug in the sender")

    monkeypatch.setattr(Sender, "run", run_until_a_bug)
    port = free_port()
    async with TelegramStub(TELEGRAM_TOKEN) as telegram:
        settings = load_settings({
            "GINBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}",
            "GINBOT_DATA_DIR": str(ROOT / "data"), "GINBOT_INTENTS_DIR": str(ROOT / "intents"),
            "GINBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "GINBOT_TELEGRAM_API_BASE": telegram.api_base,
            "GINBOT_METRICS_PORT": str(port), "GINBOT_HOST": "127.0.0.1",
        })  # fmt: skip
        worker = asyncio.create_task(commands.worker(settings))
        try:
            deadline = asyncio.get_running_loop().time() + WAIT_S
            while await healthz(port) != 200:
                assert not worker.done() and asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.05)
            breaks.set()
            code = await asyncio.wait_for(worker, WAIT_S)
        finally:
            worker.cancel()
    assert code == 1
    assert "the sender stopped unexpectedly" in capsys.readouterr().err
