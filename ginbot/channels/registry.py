"""Every channel ginbot speaks on, registered in one place.

A channel is one ``ChannelSpec``: its name and the title staff read, whether reminders and broadcasts
reach it (``push``) and how many people one request can carry, how it renders replies, how it receives
(a ``Receiver`` started by the web app, and the webhook route it answers) and how the outbox pushes to it
(a ``PushTransport``). The sender, the outbox claims, the metrics' labels, the broadcast forms and the
health check all iterate ``REGISTRY``; adding a platform is one adapter module and one ``register`` line in
``_builtin()`` below.

The SDK-heavy parts are imported inside the factories, so importing the registry costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ginbot.core.messages import Channel, MessageHandler, Reply

if TYPE_CHECKING:
    from ginbot.db.inbox import NewEvent
    from ginbot.db.session import Database
    from ginbot.delivery.answers import AnswerQueue
    from ginbot.settings import Settings

# Commits webhook events to the durable inbox before they are acknowledged (ginbot.channels.inbox.Inbox.store).
Store = Callable[["Sequence[NewEvent]"], Awaitable[list[bool]]]
# Runs a coroutine in a background task that shutdown waits for (ginbot.web.background.BackgroundTasks.spawn).
Spawn = Callable[[Coroutine[Any, Any, None]], object]


class PushTransport(Protocol):
    """How the outbox reaches a channel. ``recipients`` holds one id, or up to the channel's
    ``recipients_per_request``; ``retry_key`` is the same on every retry of the same request (LINE's
    X-Line-Retry-Key). Raises ``ginbot.delivery.outcomes.SendError`` on anything but success."""

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None: ...

    async def close(self) -> None: ...


class Receiver(Protocol):
    """A channel's incoming side while the server runs (LINE webhook client, Telegram polling/webhook)."""

    @property
    def status(self) -> str:
        """"starting", "ready", or "failed: …"."""
        ...

    async def open(self) -> None: ...

    async def stop_receiving(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class ReceiverDeps:
    settings: Settings
    handler: MessageHandler
    db: Database
    spawn: Spawn
    # The durable inbox's store (events are committed before they are acknowledged) and the outbox queue
    # for answers that cannot be sent now (ginbot.channels.inbox, ginbot.delivery.answers).
    store: Store | None = None
    answers: AnswerQueue | None = None


def _always(_settings: Settings) -> bool:
    return True


def _plain_render(replies: Sequence[Reply]) -> list[Any]:
    return [reply.plain() for reply in replies]


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    title: str  # as staff read it in the admin ("LINE", "เว็บแชต")
    render: Callable[[Sequence[Reply]], list[Any]] = _plain_render  # replies as the platform's payloads
    enabled: Callable[[Settings], bool] = _always  # configured on this deployment
    push: bool = False  # reminders and broadcasts reach it (it can start a conversation)
    recipients_per_request: int = 1  # >1: one request carries many people under one retry key (multicast)
    webhook_path: str | None = None
    # The aiohttp handler for webhook_path: a callable, or "module:function" imported when the app is built.
    webhook: Callable[..., Awaitable[Any]] | str | None = None
    open_push: Callable[[Settings], Awaitable[PushTransport]] | None = None
    receiver: Callable[[ReceiverDeps], Receiver] | None = None

    def webhook_handler(self) -> Callable[..., Awaitable[Any]] | None:
        if isinstance(self.webhook, str):
            module, _, attr = self.webhook.partition(":")
            handler: Callable[..., Awaitable[Any]] = getattr(importlib.import_module(module), attr)
            return handler
        return self.webhook


class Registry:
    def __init__(self, specs: Sequence[ChannelSpec] = ()) -> None:
        self._specs: dict[str, ChannelSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ChannelSpec) -> ChannelSpec:
        if spec.name in self._specs:
            raise ValueError(f"channel {spec.name!r} is registered already")
        self._specs[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        self._specs.pop(name, None)

    @contextmanager
    def temporarily(self, spec: ChannelSpec) -> Iterator[ChannelSpec]:
        """Register ``spec`` for the length of a ``with`` block (tests)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def get(self, name: str) -> ChannelSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise KeyError(f"no channel {name!r}; registered: {', '.join(self._specs)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[ChannelSpec]:
        return iter(list(self._specs.values()))

    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def push_names(self) -> tuple[str, ...]:
        """Channels reminders and broadcasts reach, in registration order."""
        return tuple(s.name for s in self._specs.values() if s.push)

    def chat_names(self) -> tuple[str, ...]:
        """Channels people talk on (every one but the terminal), for counts and dashboards."""
        return tuple(s.name for s in self._specs.values() if s.name != Channel.CONSOLE)

    def titles(self) -> dict[str, str]:
        return {s.name: s.title for s in self._specs.values()}

    def webhook_channels(self) -> dict[str, str]:
        """Webhook path -> channel name."""
        return {s.webhook_path: s.name for s in self._specs.values() if s.webhook_path}


# --- the built-in channels ------------------------------------------------------------------------------


def _line_render(replies: Sequence[Reply]) -> list[Any]:
    from ginbot.channels.line_convert import to_line_messages

    return [m.to_dict() for m in to_line_messages(replies)]


def _telegram_render(replies: Sequence[Reply]) -> list[Any]:
    from ginbot.channels.telegram_convert import ButtonTexts, to_telegram_messages

    return [
        {"text": text, "reply_markup": markup.to_dict() if markup else None, "parse_mode": parse_mode}
        for text, markup, parse_mode in to_telegram_messages(replies, ButtonTexts())
    ]


def _web_render(replies: Sequence[Reply]) -> list[Any]:
    from ginbot.channels.jsonform import replies_json

    return replies_json(replies)


async def _line_push(settings: Settings) -> PushTransport:
    from ginbot.delivery.transports import LineSdkTransport

    assert settings.line_channel_access_token is not None
    return LineSdkTransport(
        settings.line_channel_access_token.get_secret_value(), settings.line_api_base, timeout_s=settings.send_timeout_s
    )


async def _telegram_push(settings: Settings) -> PushTransport:
    from ginbot.delivery.transports import TelegramBotTransport

    assert settings.telegram_token is not None
    transport = TelegramBotTransport(
        settings.telegram_token.get_secret_value(),
        settings.telegram_api_base,
        timeout_s=settings.send_timeout_s,
        pool_size=settings.sender_concurrency,
    )
    await transport.start()
    return transport


def _line_receiver(deps: ReceiverDeps) -> Receiver:
    from ginbot.channels.line import LineChannel

    return LineChannel.from_settings(deps.settings, deps.handler, deps.answers)


def _telegram_receiver(deps: ReceiverDeps) -> Receiver:
    from ginbot.channels.telegram import TelegramChannel

    return TelegramChannel.from_settings(deps.settings, deps.handler, deps.store, deps.answers)


def _line_enabled(settings: Settings) -> bool:
    return settings.line_enabled


def _telegram_enabled(settings: Settings) -> bool:
    return settings.telegram_enabled


def _builtin() -> list[ChannelSpec]:
    return [
        ChannelSpec(
            name=Channel.LINE,
            title="LINE",
            render=_line_render,
            enabled=_line_enabled,
            push=True,
            recipients_per_request=500,  # a multicast's limit
            webhook_path="/line/webhook",
            webhook="ginbot.web.webhooks:line_webhook",
            open_push=_line_push,
            receiver=_line_receiver,
        ),
        ChannelSpec(
            name=Channel.TELEGRAM,
            title="Telegram",
            render=_telegram_render,
            enabled=_telegram_enabled,
            push=True,
            webhook_path="/telegram/webhook",
            webhook="ginbot.web.webhooks:telegram_webhook",
            open_push=_telegram_push,
            receiver=_telegram_receiver,
        ),
        ChannelSpec(name=Channel.WEB, title="เว็บแชต", render=_web_render),
        ChannelSpec(name=Channel.CONSOLE, title="เทอร์มินัล"),
    ]


REGISTRY = Registry(_builtin())
