from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
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
