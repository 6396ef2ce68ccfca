from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import Channel, IncomingMessage, Kind, Reply
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from tests.conftest import seed  # noqa: F401  (re-exported for older imports)


class Chat:
    """One person talking to the bot, as a channel adapter would pass their messages."""

    def __init__(self, bot: Bot, user: str = "U1", channel: str = Channel.LINE) -> None:
        self.bot, self.user, self.channel = bot, user, channel
        self.replies: list[Reply] = []

    async def say(self, text: str) -> str:
        self.replies = await self.bot.handle(IncomingMessage(self.channel, self.user, text))
        return "\n".join(r.text for r in self.replies)

    async def event(self, kind: Kind) -> str:
        self.replies = await self.bot.handle(IncomingMessage(self.channel, self.user, "", kind=kind))
        return "\n".join(r.text for r in self.replies)

    @property
    def buttons(self) -> list[str]:
        return [q.label for r in self.replies for q in r.quick_replies]

    @property
    def button_texts(self) -> list[str]:
        return [q.text for r in self.replies for q in r.quick_replies]


BotFactory = Callable[[date], Bot]


@pytest.fixture
def make_bot(seeded_sqlite: Database, nlu: Nlu, content: Content) -> BotFactory:
    def factory(today: date = date(2020, 7, 3)) -> Bot:
        return Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(today))

    return factory


@pytest.fixture
def bot(make_bot: BotFactory) -> Bot:
    return make_bot(date(2020, 7, 3))


@pytest.fixture
def chat(bot: Bot) -> Chat:
    return Chat(bot)
