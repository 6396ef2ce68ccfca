"""How the sender reaches each platform: ``PushTransport`` (ginbot.channels.registry), implemented with the
real SDKs. Each renders the reply as its channel's adapter does (LINE messages, Telegram text + keyboard).

Tests pass the same SDK classes pointed at local stub servers, or in-memory fakes that satisfy the Protocol.
Every failure leaves here as ``SendError`` with an ``Outcome``; SDK exception types stay inside this file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

import aiohttp

from ginbot.channels.registry import REGISTRY, PushTransport, Registry
from ginbot.core.messages import Reply
from ginbot.delivery.outcomes import Outcome, SendError, classify_line_status, retry_after_seconds
from ginbot.settings import Settings

# Wave-1 names: every push transport now has the one shape.
LineTransport = PushTransport
TelegramTransport = PushTransport


class LineSdkTransport:
    """line-bot-sdk v3 ``AsyncMessagingApi``; create it inside the running loop and ``close()`` it."""

    def __init__(self, access_token: str, host: str, *, timeout_s: float) -> None:
        from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

        self._client = AsyncApiClient(Configuration(access_token=access_token, host=host))
        self._api = AsyncMessagingApi(self._client)
        self._timeout_s = timeout_s

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        """One request to up to 500 LINE users: a push for one person (a staff reply), else a multicast;
        a reply longer than five messages is cut to five. The retry key rides on either."""
        from linebot.v3.messaging import MulticastRequest, PushMessageRequest

        from ginbot.channels.line_convert import LINE_MESSAGES_PER_REQUEST, to_line_messages

        messages = to_line_messages([reply])[:LINE_MESSAGES_PER_REQUEST]
        # The SDK's default timeout is 300 s and it never retries: both are ours to decide.
        if len(recipients) == 1:
            push = PushMessageRequest(to=recipients[0], messages=messages)
            await self._call(self._api.push_message(push, x_line_retry_key=retry_key, _request_timeout=self._timeout_s))
            return
        request = MulticastRequest(to=list(recipients), messages=messages)
        await self._call(self._api.multicast(request, x_line_retry_key=retry_key, _request_timeout=self._timeout_s))

    async def _call(self, request: Awaitable[object]) -> None:
        from linebot.v3.messaging import ApiException

        try:
            await request
        except ApiException as exc:
            body = exc.body.decode() if isinstance(exc.body, bytes) else str(exc.body or "")
            outcome = classify_line_status(int(exc.status or 0), body)
            if outcome is Outcome.ALREADY_SENT:
                return  # 409: this exact request was accepted earlier (a retry after a crash or timeout)
            raise SendError(outcome, f"LINE {exc.status}: {body[:300]}") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise SendError(Outcome.RETRY, f"LINE network: {exc!r}"[:300]) from None

    async def close(self) -> None:
        await self._client.close()


class TelegramBotTransport:
    """python-telegram-bot's ``Bot``; ``await start()`` inside the running loop, ``close()`` at the end."""

    def __init__(self, token: str, base_url: str, *, timeout_s: float, pool_size: int) -> None:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from ginbot.channels.telegram_convert import ButtonTexts

        request = HTTPXRequest(
            connection_pool_size=pool_size,
            read_timeout=timeout_s,
            write_timeout=timeout_s,
            connect_timeout=timeout_s,
        )
        self._bot = Bot(token, base_url=base_url, request=request)
        self._buttons = ButtonTexts()

    async def start(self) -> None:
        await self._bot.initialize()

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        """One chat (Telegram has no multicast); the retry key means nothing to Telegram."""
        from telegram import error

        from ginbot.channels.telegram_convert import to_telegram_messages

        (chat_id,) = recipients
        chat: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        try:
            for text, markup, parse_mode in to_telegram_messages([reply], self._buttons):
                await self._bot.send_message(chat_id=chat, text=text, reply_markup=markup, parse_mode=parse_mode)
        except error.RetryAfter as exc:
            wait_s = retry_after_seconds(exc.retry_after)  # an int now, a timedelta with PTB_TIMEDELTA
            raise SendError(Outcome.RATE_LIMITED, f"Telegram 429: retry after {wait_s} s", wait_s) from None
        except error.Forbidden as exc:
            raise SendError(Outcome.BLOCKED, f"Telegram 403: {exc.message}") from None
        except error.BadRequest as exc:
            raise SendError(Outcome.DEAD, f"Telegram 400: {exc.message}") from None
        except (error.TimedOut, error.NetworkError, TimeoutError) as exc:
            # PTB reports 5xx and connection trouble as NetworkError; TimedOut is one of them.
            raise SendError(Outcome.RETRY, f"Telegram network: {exc}") from None
        except error.TelegramError as exc:  # InvalidToken, ChatMigrated, …: not fixed by retrying
            raise SendError(Outcome.DEAD, f"Telegram: {exc}") from None

    async def close(self) -> None:
        await self._bot.shutdown()


async def open_transports(settings: Settings, registry: Registry = REGISTRY) -> dict[str, PushTransport]:
    """A push transport for every registered push channel configured in ``settings``, by channel name."""
    opened: dict[str, PushTransport] = {}
    try:
        for spec in registry:
            if spec.push and spec.open_push is not None and spec.enabled(settings):
                opened[spec.name] = await spec.open_push(settings)
    except Exception:
        await close_transports(*opened.values())
        raise
    return opened


async def close_transports(*transports: object) -> None:
    for transport in transports:
        close = getattr(transport, "close", None)
        if close is not None:
            try:
                await asyncio.shield(close())
            except Exception:  # closing is best effort; the process is stopping anyway
                pass
