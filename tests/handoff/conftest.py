"""ginbot served with the real bot, LINE and Telegram stubs, a Telegram staff group and the sender on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import func, select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.models import OutboxRow
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.observability import metrics
from ginbot.settings import Settings
from ginbot.testing.fixtures import (  # noqa: F401  (pytest fixtures)
    LINE_CHANNEL_SECRET,
    TELEGRAM_WEBHOOK_SECRET,
    line_stub,
    telegram_stub,
)
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import (
    line_body,
    line_headers,
    telegram_group_update,
    telegram_headers,
    telegram_text_update,
)
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import PUBLIC_URL, Served, channel_settings, serve

STAFF_CHAT = -1001234567890
STAFF_MEMBER = 4242
OUTSIDER = 6666
TODAY = date(2020, 7, 3)


def staff_settings(line: LineStub, telegram: TelegramStub, **env: str) -> Settings:
    return channel_settings(
        line,
        telegram,
        GINBOT_PUBLIC_URL=PUBLIC_URL,
        GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
        GINBOT_TELEGRAM_STAFF_CHAT_ID=str(STAFF_CHAT),
        GINBOT_TELEGRAM_STAFF_IDS=str(STAFF_MEMBER),
        GINBOT_RUN_SENDER="true",
        GINBOT_SENDER_IDLE_POLL_S="0.2",
        **env,
    )


def real_bot(db: Database, nlu: Nlu, content: Content) -> Bot:
    # With the metrics observer, as ginbot.wiring builds it for `ginbot serve`.
    return Bot(db, NluUnderstanding(nlu), content, Clock(TODAY), observers=[metrics.observe_turn])


@asynccontextmanager
async def staffed(settings: Settings, db: Database, bot: Bot) -> AsyncIterator[Served]:
    async with serve(settings, db, bot) as served:
        await served.telegram_started()
        yield served


async def line_says(served: Served, event: dict[str, Any]) -> None:
    body = line_body(event)
    assert (await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))).status == 200
    await served.settle()


async def telegram_says(served: Served, update: dict[str, Any]) -> None:
    body = json.dumps(update).encode()
    assert (await served.post("/telegram/webhook", body, telegram_headers(TELEGRAM_WEBHOOK_SECRET))).status == 200
    await served.settle()


async def staff_replies(
    served: Served, text: str, *, to_post: dict[str, Any] | None = None, thread_id: int | None = None,
    who: int = STAFF_MEMBER,
) -> None:  # fmt: skip
    await telegram_says(served, telegram_group_update(STAFF_CHAT, who, text, reply_to=to_post, thread_id=thread_id))


async def official_on_telegram(served: Served, chat: int, text: str) -> None:
    await telegram_says(served, telegram_text_update(chat, text))


async def direct_rows(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.broadcast_id.is_(None))) or 0)
