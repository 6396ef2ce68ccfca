"""ginbot served on a test port, its LINE and Telegram APIs replaced by the recording stubs.

The bot core is a RecordingBot here (what it was told, scripted answers); test_end_to_end.py uses the real
one. Background work is awaited with ``settle()`` (the inbox has handled every stored event), never with sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ginbot.core.messages import IncomingMessage, MessageHandler, QuickReply, Reply
from ginbot.db.models import ChatUser, InboxEvent, MessageLog
from ginbot.db.session import Database
from ginbot.settings import Settings, load_settings
from ginbot.testing.fixtures import (  # noqa: F401  (pytest fixtures)
    LINE_ACCESS_TOKEN,
    LINE_CHANNEL_SECRET,
    TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    line_stub,
    telegram_stub,
)
from ginbot.testing.line_stub import LineStub
from ginbot.testing.telegram_stub import TelegramStub
from ginbot.web.webhooks import CHANNELS_KEY

PUBLIC_URL = "https://ginbot.example.go.th"
BUTTONS = (QuickReply("กลุ่ม 2", "กลุ่ม 2 ย้ายวันไหน"), QuickReply("ติดต่อเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่"))


class RecordingBot:
    """Stands in for the core: records every message and answers from a script (default: one echo)."""

    def __init__(self) -> None:
        self.messages: list[IncomingMessage] = []
        self.answer: Callable[[IncomingMessage], list[Reply]] = lambda m: [Reply(f"ได้รับ: {m.text}", BUTTONS)]
        self.fail_next = 0

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        self.messages.append(message)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the core broke")
        return self.answer(message)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]


@pytest.fixture
def bot() -> RecordingBot:
    return RecordingBot()


def channel_settings(
    line: LineStub | None = None, telegram: TelegramStub | None = None, **env: str
) -> Settings:
    values = {"GINBOT_MAX_WEBHOOK_BODY_BYTES": "65536", "GINBOT_RUN_SENDER": "false", **env}
    if line is not None:
        values |= {
            "GINBOT_LINE_CHANNEL_SECRET": LINE_CHANNEL_SECRET,
            "GINBOT_LINE_CHANNEL_ACCESS_TOKEN": LINE_ACCESS_TOKEN,
            "GINBOT_LINE_API_BASE": line.url,
        }
    if telegram is not None:
        values |= {"GINBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "GINBOT_TELEGRAM_API_BASE": telegram.api_base}
    return load_settings(values)


@dataclass
class Served:
    client: TestClient[web.Request, web.Application]
    app: web.Application

    @classmethod
    @asynccontextmanager
    async def start(cls, app: web.Application) -> AsyncIterator[Served]:
        async with TestClient(TestServer(app)) as client:
            yield cls(client, app)

    async def settle(self) -> None:
        """Wait until every event the webhooks stored so far has been handled, and the background work
        their turns started (posts to the Telegram staff group) is done."""
        channels = self.app[CHANNELS_KEY]
        assert channels.processor is not None, "the app has not started"
        await channels.processor.settled()
        while len(channels.tasks):
            await channels.tasks.idle()
            await channels.processor.settled()

    async def telegram_started(self) -> None:
        telegram = self.app[CHANNELS_KEY].telegram
        assert telegram is not None, "Telegram is not configured"
        await telegram.started()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Any:
        return await self.client.post(path, data=body, headers=headers)


@asynccontextmanager
async def serve(settings: Settings, db: Database, bot: MessageHandler) -> AsyncIterator[Served]:
    from ginbot.web.app import create_app

    async with Served.start(create_app(settings, db=db, bot=bot)) as served:
        yield served


ServeFactory = Callable[..., Awaitable[Served]]


async def count_rows(db: Database) -> dict[str, int]:
    """Rows anything wrote on a person's behalf."""
    async with db.session() as session:
        return {
            "inbox_events": await session.scalar(select(func.count()).select_from(InboxEvent)) or 0,
            "chat_users": await session.scalar(select(func.count()).select_from(ChatUser)) or 0,
            "message_log": await session.scalar(select(func.count()).select_from(MessageLog)) or 0,
        }
