"""How the sender reaches each platform: one small Protocol per channel, implemented with the real SDKs.

Tests pass the same SDK classes pointed at local stub servers, or in-memory fakes that satisfy the Protocol.
Every failure leaves here as ``SendError`` with an ``Outcome``; SDK exception types stay inside this file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import aiohttp

from ginbot.delivery.outcomes import Outcome, SendError, classify_line_status, retry_after_seconds


class LineTransport(Protocol):
    async def multicast(self, user_ids: Sequence[str], text: str, retry_key: str) -> None:
        """Send one text to up to 500 LINE users; raise SendError on anything but success."""


class TelegramTransport(Protocol):
    async def send_text(self, chat_id: str, text: str) -> None:
        """Send one text to one chat; raise SendError on anything but success."""


class LineSdkTransport:
    """line-bot-sdk v3 ``AsyncMessagingApi``; create it inside the running loop and ``close()`` it."""

    def __init__(self, access_token: str, host: str, *, timeout_s: float) -> None:
        from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

        self._client = AsyncApiClient(Configuration(access_token=access_token, host=host))
        self._api = AsyncMessagingApi(self._client)
        self._timeout_s = timeout_s

    async def multicast(self, user_ids: Sequence[str], text: str, retry_key: str) -> None:
        from linebot.v3.messaging import ApiException, MulticastRequest, TextMessage

        request = MulticastRequest(to=list(user_ids), messages=[TextMessage(text=text)])  # type: ignore[call-arg]
        try:
            # The SDK's default timeout is 300 s and it never retries: both are ours to decide.
            await self._api.multicast(request, x_line_retry_key=retry_key, _request_timeout=self._timeout_s)
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

        request = HTTPXRequest(
            connection_pool_size=pool_size,
            read_timeout=timeout_s,
            write_timeout=timeout_s,
            connect_timeout=timeout_s,
        )
        self._bot = Bot(token, base_url=base_url, request=request)

    async def start(self) -> None:
        await self._bot.initialize()

    async def send_text(self, chat_id: str, text: str) -> None:
        from telegram import error

        try:
            await self._bot.send_message(
                chat_id=int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id, text=text
            )
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


async def open_transports(
    *,
    line_token: str | None,
    line_host: str,
    telegram_token: str | None,
    telegram_base_url: str,
    timeout_s: float,
    pool_size: int,
) -> tuple[LineSdkTransport | None, TelegramBotTransport | None]:
    line = LineSdkTransport(line_token, line_host, timeout_s=timeout_s) if line_token else None
    telegram = None
    if telegram_token:
        telegram = TelegramBotTransport(
            telegram_token, telegram_base_url, timeout_s=timeout_s, pool_size=pool_size
        )
        try:
            await telegram.start()
        except Exception:
            if line is not None:
                await line.close()
            raise
    return line, telegram


async def close_transports(*transports: object) -> None:
    for transport in transports:
        close = getattr(transport, "close", None)
        if close is not None:
            try:
                await asyncio.shield(close())
            except Exception:  # closing is best effort; the process is stopping anyway
                pass
