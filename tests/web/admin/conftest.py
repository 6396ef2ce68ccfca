"""Admin fixtures: the app with a recording bot, staff accounts, and a signed-in HTTP client.

``RecordingBot`` stands in for the core where a test is about the admin pages, not the conversation: it
records reloads and, through ``RecordingNlu``, every retrain with the examples it was given.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.models import ChatUser, MessageLog
from ginbot.db.session import Database
from ginbot.nlu.intents import IntentExample
from ginbot.settings import Settings, load_settings
from ginbot.testing.fixtures import line_stub  # noqa: F401  (pytest fixture, for the inbox tests)
from ginbot.web.admin.accounts import create_staff
from ginbot.web.app import create_app

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class RecordingNlu:
    def __init__(self) -> None:
        self.retrained: list[list[IntentExample]] = []

    def retrain(self, extra: Any) -> None:
        self.retrained.append(list(extra))


@dataclass
class Understanding:
    nlu: RecordingNlu = field(default_factory=RecordingNlu)


class RecordingBot:
    def __init__(self) -> None:
        self.understanding = Understanding()
        self.reloads = 0

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        return [Reply("ok")]

    async def reload(self) -> None:
        self.reloads += 1


def admin_settings(**env: str) -> Settings:
    return load_settings({"GINBOT_RUN_SENDER": "false", "GINBOT_TODAY": "2020-07-03", **env})


async def add_staff(db: Database, name: str = "somchai", password: str = PASSWORD) -> None:
    async with db.session() as session:
        await create_staff(session, name, password)


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


Client = TestClient[web.Request, web.Application]


async def sign_in(client: Client | aiohttp.ClientSession, name: str = "somchai", password: str = PASSWORD) -> web.StreamResponse:
    page = await client.get("/admin/signin")
    return await client.post(
        "/admin/signin",
        data={"csrf": csrf_of(await page.text()), "name": name, "password": password},
        allow_redirects=False,
    )


async def page_csrf(client: Client, path: str = "/admin") -> str:
    resp = await client.get(path)
    assert resp.status == 200, resp.status
    return csrf_of(await resp.text())


@dataclass
class Admin:
    client: Client
    app: web.Application
    bot: RecordingBot
    db: Database
    csrf: str = ""  # the session's token (fixed for the session), read once from a page

    async def post(self, path: str, data: Mapping[str, Any] | Any, **kw: Any) -> Any:
        """A form post from a page of the signed-in session (its CSRF token added)."""
        # Read once: every page view shows and clears the one-shot notice a test may want to see.
        csrf = self.csrf = self.csrf or await page_csrf(self.client)
        if isinstance(data, Mapping):
            data = {**data, "csrf": csrf}
        else:  # a FormData or a list of pairs
            data.add_field("csrf", csrf)
        return await self.client.post(path, data=data, allow_redirects=kw.pop("allow_redirects", False), **kw)


@asynccontextmanager
async def another_browser(admin: Admin) -> AsyncIterator[aiohttp.ClientSession]:
    """A second, separate browser (its own cookies) on the same running server."""
    base = str(admin.client.make_url("/"))
    async with aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


@pytest.fixture
async def admin(seeded: Database) -> AsyncIterator[Admin]:
    """Signed in as ``somchai`` on SQLite and PostgreSQL, with the official cohorts and agencies."""
    await add_staff(seeded)
    bot = RecordingBot()
    app = create_app(admin_settings(), db=seeded, bot=bot)  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        resp = await sign_in(client)
        assert resp.status == 303, await resp.text()
        yield Admin(client, app, bot, seeded)


@pytest.fixture
async def anonymous(seeded_sqlite: Database) -> AsyncIterator[Client]:
    await add_staff(seeded_sqlite)
    app = create_app(admin_settings(), db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        yield client


# --- data -------------------------------------------------------------------------------------------------


async def add_people(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.session() as session:
        await session.execute(
            insert(ChatUser), [{"subscribed": True, "blocked": False, "agency_id": None, **r} for r in rows]
        )


BANGKOK_NOON = datetime(2020, 7, 3, 5, 0, tzinfo=UTC)


async def log_messages(db: Database, texts: list[tuple[str, str, float, bool]], at: datetime = BANGKOK_NOON) -> list[int]:
    """(text, intent, confidence, answered) rows, one minute apart, oldest first; returns their ids."""
    ids = []
    async with db.session() as session:
        for n, (text, intent, confidence, answered) in enumerate(texts):
            row = MessageLog(
                user_id=None, channel="line", text=text, intent=intent, confidence=confidence, entities={},
                answered=answered, created_at=at + timedelta(minutes=n),
            )  # fmt: skip
            session.add(row)
            await session.flush()
            ids.append(row.id)
    return ids
