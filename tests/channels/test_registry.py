"""A channel is one registration: a test-only channel, registered here, is served, answered, counted,
offered to staff and reached by broadcasts without any other change to ginbot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from ginbot.channels.registry import REGISTRY, ChannelSpec, PushTransport, ReceiverDeps, Registry
from ginbot.core.content import Content
from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.planner import plan_once
from ginbot.delivery.sender import Sender
from ginbot.delivery.targets import parse_channel
from ginbot.delivery.transports import open_transports
from ginbot.nlu.engine import Nlu
from ginbot.observability import metrics
from ginbot.web.admin.forms import channel_choices
from ginbot.web.keys import CHANNELS_KEY
from tests.channels.conftest import Served, channel_settings
from tests.channels.test_end_to_end import real_bot
from tests.delivery.conftest import FAST

NAME = "pigeon"


class PigeonReceiver:
    """Receives by webhook; records what the bot's replies became in this channel's format."""

    def __init__(self, deps: ReceiverDeps) -> None:
        self.deps = deps
        self.sent: list[tuple[str, list[Any]]] = []
        self.status = "starting"

    async def open(self) -> None:
        self.status = "ready"

    async def stop_receiving(self) -> None:
        pass

    async def close(self) -> None:
        self.status = "stopped"

    async def handle(self, user: str, text: str) -> None:
        replies = await self.deps.handler.handle(IncomingMessage(NAME, user, text))
        self.sent.append((user, render(replies)))


def render(replies: Sequence[Reply]) -> list[Any]:
    return [{"coo": reply.plain(), "card": reply.card.title if reply.card else None} for reply in replies]


async def pigeon_webhook(request: web.Request) -> web.Response:
    receiver = request.app[CHANNELS_KEY].get(NAME)
    assert isinstance(receiver, PigeonReceiver)
    body = await request.json()
    await receiver.handle(body["user"], body["text"])
    return web.json_response({})


class PigeonPost:
    def __init__(self) -> None:
        self.delivered: list[tuple[tuple[str, ...], str]] = []

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        self.delivered.append((tuple(recipients), reply.plain()))

    async def close(self) -> None:
        pass


POST = PigeonPost()


async def open_pigeon_post(_settings: object) -> PushTransport:
    return POST


SPEC = ChannelSpec(
    name=NAME,
    title="นกพิราบ",
    render=render,
    push=True,
    webhook_path="/pigeon/webhook",
    webhook=pigeon_webhook,
    open_push=open_pigeon_post,
    receiver=PigeonReceiver,
)


@pytest.fixture
def pigeon() -> Any:
    POST.delivered.clear()
    with REGISTRY.temporarily(SPEC) as spec:
        yield spec


async def test_a_registered_channel_works_end_to_end(
    pigeon: ChannelSpec, seeded_sqlite: Database, nlu: Nlu, content: Content
) -> None:
    from ginbot.web.app import create_app

    db = seeded_sqlite
    settings = channel_settings()
    bot = real_bot(db, nlu, content)
    bot.observers.append(metrics.observe_turn)  # as ginbot.wiring.build_bot does
    app = create_app(settings, db=db, bot=bot)
    async with Served.start(app) as served:
        for text in ("กรมสรรพากรย้ายวันไหน", "หน่วยงานของฉันคือกรมสรรพากร"):
            response = await served.client.post("/pigeon/webhook", data=json.dumps({"user": "p-1", "text": text}))
            assert response.status == 200
        health = await (await served.client.get("/healthz")).json()
        receiver = app[CHANNELS_KEY].get(NAME)
    assert isinstance(receiver, PigeonReceiver) and receiver.status == "stopped"  # closed with the app
    (user, first), _ = receiver.sent
    assert user == "p-1" and "7 กรกฎาคม 2563" in first[0]["coo"] and first[0]["card"]
    assert health["channel_status"][NAME] == "ready" and health["channels"][NAME] is True
    assert metrics.sample("ginbot_messages_received_total", channel=NAME) >= 2

    # Staff can pick it, and a broadcast reaches the person who set an agency there.
    assert (NAME, "เฉพาะ นกพิราบ") in channel_choices() and parse_channel(NAME) == NAME
    sent_before = metrics.sample("ginbot_deliveries_total", channel=NAME, outcome="sent")
    queued = await announce(db, to="agency:rd", text="ประกาศถึงกรมสรรพากร", created_by="test")
    assert queued.by_channel == {NAME: 1}
    await plan_once(db, None, datetime.now(UTC), 0)
    transports = await open_transports(settings)
    assert set(transports) == {NAME}  # LINE and Telegram are not configured here
    await Sender(db, transports=transports, config=FAST).drain()
    assert POST.delivered == [(("p-1",), "ประกาศถึงกรมสรรพากร")]
    assert metrics.sample("ginbot_deliveries_total", channel=NAME, outcome="sent") == sent_before + 1


def test_a_name_is_registered_once() -> None:
    registry = Registry([SPEC])
    with pytest.raises(ValueError, match="pigeon"):
        registry.register(replace(SPEC, title="อีกตัว"))
    assert registry.push_names() == (NAME,) and registry.webhook_channels() == {"/pigeon/webhook": NAME}


def test_the_built_in_channels() -> None:
    assert REGISTRY.push_names() == ("line", "telegram")
    assert REGISTRY.chat_names() == ("line", "telegram", "web")
    assert REGISTRY.webhook_channels() == {"/line/webhook": "line", "/telegram/webhook": "telegram"}
