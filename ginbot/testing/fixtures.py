"""pytest fixtures starting the API stubs on free ports. Use them from a conftest.py:

    from ginbot.testing.fixtures import line_stub, telegram_stub  # noqa: F401

The credentials below are what the stubs accept; pass them to ginbot's settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ginbot.testing.line_stub import LineStub
from ginbot.testing.telegram_stub import DEFAULT_TOKEN, TelegramStub

LINE_CHANNEL_SECRET = "ginbot-test-line-channel-secret"
LINE_ACCESS_TOKEN = "ginbot-test-line-access-token"
TELEGRAM_TOKEN = DEFAULT_TOKEN
TELEGRAM_WEBHOOK_SECRET = "ginbot-test-telegram-webhook-secret_0123"


@pytest.fixture
async def line_stub() -> AsyncIterator[LineStub]:
    async with LineStub(access_token=LINE_ACCESS_TOKEN) as stub:
        yield stub


@pytest.fixture
async def telegram_stub() -> AsyncIterator[TelegramStub]:
    async with TelegramStub(TELEGRAM_TOKEN) as stub:
        yield stub
