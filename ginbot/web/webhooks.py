"""POST /line/webhook and POST /telegram/webhook: verify, store, answer 200.

Each route refuses before it has any effect: a body over ``max_webhook_body_bytes`` gets 413 (from its
Content-Length, without reading it, or as soon as a streamed body passes the limit); LINE without
``X-Line-Signature`` gets 400 and with a wrong one 401; Telegram without the right
``X-Telegram-Bot-Api-Secret-Token`` gets 401. Refusals are logged and counted
(``ginbot_webhook_rejections_total``); nothing reaches the database, the core or the platform's API.

An accepted request is answered 200 only once its events are committed to the durable inbox
(ginbot/channels/inbox.py; a few milliseconds, group-committed with other requests). If the database cannot
take them within ``database_statement_timeout_s`` the answer is 503 with Retry-After, so LINE and Telegram
deliver again and nothing acknowledged is ever lost. The inbox's processor answers the events in the
background; the platform never waits on the core or on its own API.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, NoReturn

from aiohttp import web

from ginbot.channels.inbox import Inbox, InboxConfig, Processor
from ginbot.channels.line import BadSignature, LineChannel
from ginbot.channels.ordering import person_locks_for
from ginbot.channels.registry import REGISTRY, ReceiverDeps
from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.inbox import NewEvent
from ginbot.delivery.answers import OutboxAnswers
from ginbot.observability import metrics
from ginbot.settings import Settings, SettingsError
from ginbot.web.background import BackgroundTasks
from ginbot.web.channels import Channels
from ginbot.web.keys import BOT_KEY, CHANNELS_KEY, DB_KEY, SETTINGS_KEY

__all__ = ["CHANNELS_KEY", "Channels", "install", "line_webhook", "telegram_webhook"]

log = logging.getLogger(__name__)

LINE_WEBHOOK_PATH = "/line/webhook"
SIGNATURE_HEADER = "X-Line-Signature"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
READ_CHUNK_BYTES = 64 * 1024
# Shutdown waits this long for replies in progress (a reply takes well under a second; docker's default stop
# grace period is 10 s), then cancels them; the inbox answers the cancelled ones after the restart.
DRAIN_TIMEOUT_S = 8.0
# Old inbox rows are pruned at startup and then this often.
PRUNE_INTERVAL_S = 6 * 3600
STORE_RETRY_AFTER_S = 5
# Telegram's rule for secret_token: 1–256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def check_settings(settings: Settings) -> None:
    """Refuse a configuration that would run an unsafe or broken channel; SettingsError names the variable."""
    if settings.telegram_enabled and settings.public_url:
        secret = settings.telegram_webhook_secret
        if secret is None:
            raise SettingsError(
                "GINBOT_TELEGRAM_WEBHOOK_SECRET must be set when GINBOT_PUBLIC_URL is: without it anyone who "
                "finds the webhook URL can forge Telegram updates (1–256 characters of A-Z a-z 0-9 _ -)"
            )
        value = secret.get_secret_value()
        if not 1 <= len(value) <= 256 or not set(value) <= _SECRET_CHARS:
            raise SettingsError("GINBOT_TELEGRAM_WEBHOOK_SECRET: 1–256 characters of A-Z a-z 0-9 _ - only")
    if (settings.line_channel_secret is None) != (settings.line_channel_access_token is None):
        log.warning(
            "LINE is off: set both GINBOT_LINE_CHANNEL_SECRET and GINBOT_LINE_CHANNEL_ACCESS_TOKEN to switch it on"
        )


def install(app: web.Application) -> Channels:
    """Mount every registered channel's webhook route and own the channels' receiving clients.

    Call after the database's and the bot's cleanup contexts: cleanup runs in reverse, so the background
    replies drain and the SDK clients close before the database does.
    """
    settings = app[SETTINGS_KEY]
    check_settings(settings)
    channels = Channels(BackgroundTasks())
    app[CHANNELS_KEY] = channels
    for spec in REGISTRY:
        handler = spec.webhook_handler()
        if spec.webhook_path and handler is not None:
            app.router.add_post(spec.webhook_path, handler)
    app.cleanup_ctx.append(_channel_clients)
    app.on_shutdown.append(_stop_receiving)
    return channels


class _AppBot:
    """The bot the app holds under BOT_KEY, looked up per message: another startup step builds it."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        replies: list[Reply] = await self._app[BOT_KEY].handle(message)
        return replies


async def _channel_clients(app: web.Application) -> AsyncIterator[None]:
    settings, db, channels = app[SETTINGS_KEY], app[DB_KEY], app[CHANNELS_KEY]
    inbox = channels.inbox = Inbox(db, inbox_config(settings))
    processor = channels.processor = Processor(inbox, person_locks_for(db))
    answers = OutboxAnswers(db, settings.sender_backoff_base_s)
    deps = ReceiverDeps(settings, _AppBot(app), db, channels.tasks.spawn, store=inbox.store, answers=answers)
    try:
        for spec in channels.registry:
            if spec.receiver is not None and spec.enabled(settings):
                receiver = spec.receiver(deps)
                channels.receivers[spec.name] = receiver
                await receiver.open()
                process = getattr(receiver, "process", None)
                if process is not None:  # a channel whose events go through the inbox
                    processor.register(spec.name, process)
                if isinstance(receiver, LineChannel):
                    receiver.reply_marker = processor.reply_starting
    except BaseException:
        await _close_receivers(channels)
        raise
    # Unfinished events (pending, or leased by a process that died) are picked up from here on.
    processor.start()
    pruner = asyncio.create_task(_prune_periodically(inbox), name="prune-inbox")
    try:
        yield
    finally:
        pruner.cancel()
        await asyncio.gather(pruner, return_exceptions=True)
        for receiver in channels.receivers.values():
            await receiver.stop_receiving()
        await processor.close(DRAIN_TIMEOUT_S)
        await channels.tasks.close(DRAIN_TIMEOUT_S)
        await _close_receivers(channels)


async def _close_receivers(channels: Channels) -> None:
    for receiver in reversed(list(channels.receivers.values())):
        await receiver.close()


async def _stop_receiving(app: web.Application) -> None:
    # on_shutdown runs before the cleanup contexts: stop polling so the drain sees no new work.
    for receiver in app[CHANNELS_KEY].receivers.values():
        await receiver.stop_receiving()


# Replicas behind a load balancer (PostgreSQL) may store one person's two quick messages the other way
# round; waiting this long lets the first arrive. One process (SQLite) stores them in the order received.
POSTGRES_REORDER_S = 0.2


def inbox_config(settings: Settings) -> InboxConfig:
    return InboxConfig(
        lease_s=settings.inbox_lease_s,
        max_attempts=settings.inbox_max_attempts,
        backoff_base_s=settings.inbox_backoff_base_s,
        backoff_max_s=settings.inbox_backoff_max_s,
        concurrency=settings.inbox_concurrency,
        keep=timedelta(days=settings.inbox_keep_days),
        reorder_s=settings.inbox_reorder_s
        if settings.inbox_reorder_s is not None
        else (POSTGRES_REORDER_S if settings.database_url.startswith("postgresql") else 0.0),
    )


async def _prune_periodically(inbox: Inbox) -> None:
    while True:
        try:
            removed = await inbox.prune()
            if removed:
                log.info("pruned %d old inbox events", removed)
        except Exception:  # a busy or unreachable database: try again next round
            log.exception("pruning old inbox events failed")
        await asyncio.sleep(PRUNE_INTERVAL_S)


async def _store(request: web.Request, channel: str, entries: list[NewEvent]) -> None:
    """Commit ``entries`` or answer 503: the platform must deliver again whatever was not stored."""
    timeout_s = request.app[SETTINGS_KEY].database_statement_timeout_s
    inbox = request.app[CHANNELS_KEY].inbox
    try:
        if inbox is None:
            raise RuntimeError("the inbox is not open yet")
        async with asyncio.timeout(timeout_s):
            await inbox.store(entries)
    except Exception as exc:
        log.error("%s webhook: storing %d event(s) failed (%r); answering 503", channel, len(entries), exc)
        metrics.count_rejection(channel, "store_failed")
        raise web.HTTPServiceUnavailable(
            text="ginbot cannot store events right now; deliver again later",
            headers={"Retry-After": str(STORE_RETRY_AFTER_S)},
        ) from None


# --- routes -----------------------------------------------------------------------------------------------


def _refuse(
    channel: str, reason: str, error: type[web.HTTPException], why: str, request: web.Request
) -> NoReturn:
    log.warning("%s webhook refused (%s) from %s: %s", channel, error.status_code, request.remote, why)
    metrics.count_rejection(channel, reason)
    raise error(text=why)


def _too_large(channel: str, limit: int, size: int, request: web.Request) -> NoReturn:
    log.warning("%s webhook refused (413) from %s: body over %d bytes", channel, request.remote, limit)
    metrics.count_rejection(channel, "too_large")
    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)


async def read_limited(request: web.Request, limit: int, channel: str) -> bytes:
    """The body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        _too_large(channel, limit, request.content_length, request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            _too_large(channel, limit, size, request)
        chunks.append(chunk)
    return b"".join(chunks)


async def line_webhook(request: web.Request) -> web.Response:
    line = request.app[CHANNELS_KEY].line
    if line is None:
        raise web.HTTPNotFound(text="LINE is not configured on this server")
    limit = request.app[SETTINGS_KEY].max_webhook_body_bytes
    if request.content_length is not None and request.content_length > limit:
        _too_large("line", limit, request.content_length, request)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        _refuse("line", "bad_signature", web.HTTPBadRequest, f"missing {SIGNATURE_HEADER}", request)
    raw = await read_limited(request, limit, "line")
    try:
        # The signature is over the exact bytes; LINE sends UTF-8, and the SDK wants str.
        entries = line.receive(raw.decode("utf-8"), signature or "")
    except BadSignature:
        _refuse("line", "bad_signature", web.HTTPUnauthorized, "wrong X-Line-Signature", request)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
        # Signed by LINE's secret but not a webhook payload: nothing to do, and retrying will not help.
        _refuse(
            "line",
            "malformed",
            web.HTTPBadRequest,
            f"not a LINE webhook body ({type(exc).__name__})",
            request,
        )
    await _store(request, "line", entries)
    return web.json_response({})


async def telegram_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    telegram = request.app[CHANNELS_KEY].telegram
    if telegram is None or not telegram.uses_webhook:
        raise web.HTTPNotFound(text="the Telegram webhook is not in use on this server")
    expected = (telegram.webhook_secret or "").encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    # compare_digest: the time taken must not tell an attacker how much of the secret they guessed.
    if not expected or not hmac.compare_digest(given, expected):
        reason = "missing" if not given else "wrong"
        _refuse("telegram", "bad_secret", web.HTTPUnauthorized, f"{reason} {SECRET_HEADER}", request)
    raw = await read_limited(request, settings.max_webhook_body_bytes, "telegram")
    try:
        data: Any = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an Update")
    except (ValueError, RecursionError) as exc:
        _refuse("telegram", "malformed", web.HTTPBadRequest, f"not a Telegram Update ({exc})", request)
    if not telegram.ready:
        # Telegram keeps the update and retries; answering 200 now would lose it.
        raise web.HTTPServiceUnavailable(text="Telegram channel is starting", headers={"Retry-After": "5"})
    try:
        entries = telegram.receive(data)
    except Exception as exc:
        _refuse("telegram", "malformed", web.HTTPBadRequest, f"not a Telegram Update ({exc!r})"[:300], request)
    await _store(request, "telegram", entries)
    return web.json_response({})
