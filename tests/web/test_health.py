from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
from ginbot.delivery.runner import DeliveryRunner
from ginbot.settings import load_settings
from ginbot.web.app import create_app


async def test_healthz_reports_database(sqlite_db: Database) -> None:
    app = create_app(load_settings({}), db=sqlite_db)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/healthz")
        assert resp.status == 200
        body = await resp.json()
        assert body["database"] is True and body["status"] == "ok"


class SilentBot:
    async def handle(self, message: IncomingMessage) -> list[Reply]:
        return []


async def test_healthz_says_degraded_when_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = Database(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x.db")
    app = create_app(load_settings({"GINBOT_RUN_SENDER": "false"}), db=broken, bot=SilentBot())
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["database"] is False
    await broken.close()


async def test_healthz_fails_once_the_in_process_planner_died(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ginbot serve` running its own planner and sender (GINBOT_RUN_SENDER): a dead loop is not silent."""
    breaks = asyncio.Event()

    async def planner_until_a_bug(self: DeliveryRunner) -> None:
        await breaks.wait()
        raise RuntimeError("a bug in the planner")

    monkeypatch.setattr(DeliveryRunner, "_planner_loop", planner_until_a_bug)
    app = create_app(load_settings({}), db=sqlite_db, bot=SilentBot())  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        ok = await client.get("/healthz")
        assert ok.status == 200 and (await ok.json())["delivery"] == "ok"
        breaks.set()
        for _ in range(200):
            resp = await client.get("/healthz")
            if resp.status != 200:
                break
            await asyncio.sleep(0.05)
        assert resp.status == 503
        body = await resp.json()
        assert body["delivery"] == "ginbot-planner died: RuntimeError('a bug in the planner')"
        assert body["status"] == "degraded" and body["database"] is True
