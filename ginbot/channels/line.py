"""The LINE adapter: verified webhook events in, the core's replies out (reply API, push as the fallback).

Sending rules (LINE Messaging API reference, as line-bot-sdk v3 exposes it):
- The first five messages go as a reply; more go as pushes of five. A reply token is single-use and short
  lived, so when the reply is refused (400 "Invalid reply token" for an expired or redelivered event) or
  fails, everything goes as pushes instead.
- Each push carries its own ``X-Line-Retry-Key`` (uuid4) and is retried only on 5xx, 429 (not the monthly
  quota) and network errors or timeouts, always with the same key: LINE answers a repeat of an accepted
  request with 409, which counts as sent, so a retry can never deliver twice.
- Every call passes ``_request_timeout``; the SDK's default is five minutes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from collections.abc import Sequence

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhook import WebhookParser
from yarl import URL

from ginbot.backoff import Backoff
from ginbot.channels.base import FAILURE_REPLY
from ginbot.channels.intake import Intake
from ginbot.channels.line_convert import LineTurn, batches, interpret, to_line_messages
from ginbot.core.messages import Channel, Kind, MessageHandler, Reply
from ginbot.db.session import Database
from ginbot.settings import Settings

log = logging.getLogger(__name__)

# LINE answers in well under a second; ten seconds leaves room for a bad minute without pinning a task.
REQUEST_TIMEOUT_S = 10.0
# Concurrent requests to LINE (the SDK's default is 5 per CPU): replies at 300/s with LINE ~50 ms away
# keep about 15 in flight.
MAX_CONNECTIONS = 64
# Pushes: three tries within about a second (0.2 s, then 1 s), then give up and log.
PUSH_ATTEMPTS = 3
PUSH_BACKOFF = Backoff(first_s=0.2, max_s=1.0, factor=5)
# A 429 saying this is the monthly message quota: retrying cannot help until next month.
MONTHLY_LIMIT_MARK = "monthly limit"


class BadSignature(Exception):
    """The body was not signed with this channel's secret: forged, or the secret is wrong."""


class LineChannel:
    name = Channel.LINE

    def __init__(
        self,
        *,
        channel_secret: str,
        access_token: str,
        api_base: str,
        handler: MessageHandler,
        intake: Intake,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        push_backoff: Backoff = PUSH_BACKOFF,
        push_attempts: int = PUSH_ATTEMPTS,
    ) -> None:
        self._parser = WebhookParser(channel_secret)
        self._config = Configuration(access_token=access_token, host=api_base)
        self._handler = handler
        self._intake = intake
        self._timeout_s = request_timeout_s
        self._push_backoff = push_backoff
        self._push_attempts = push_attempts
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None

    @classmethod
    def from_settings(cls, settings: Settings, handler: MessageHandler, db: Database) -> LineChannel:
        assert settings.line_channel_secret and settings.line_channel_access_token, "LINE is not configured"
        return cls(
            channel_secret=settings.line_channel_secret.get_secret_value(),
            access_token=settings.line_channel_access_token.get_secret_value(),
            api_base=settings.line_api_base,
            handler=handler,
            intake=Intake(db, Channel.LINE),
        )

    async def start(self) -> None:
        # AsyncApiClient opens an aiohttp session in its constructor: it must be made inside the running loop.
        self._config.connection_pool_maxsize = MAX_CONNECTIONS
        self._client = AsyncApiClient(self._config)
        await _skip_per_request_environment_lookups(self._client, self._config)
        self._api = AsyncMessagingApi(self._client)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = self._api = None

    # The registry's Receiver: LINE pushes events to the webhook, so opening is making the client.
    async def open(self) -> None:
        await self.start()

    async def stop_receiving(self) -> None:
        """Nothing to stop: LINE calls us; the shutdown gate refuses new webhooks."""

    @property
    def ready(self) -> bool:
        return self._api is not None

    @property
    def status(self) -> str:
        return "ready" if self.ready else "starting"

    def parse(self, body: str, signature: str) -> list[object]:
        """Verify the signature over the raw body and parse the events.

        Raises ``BadSignature`` for a missing or wrong signature, ``ValueError``/``KeyError`` for a body
        that is not a webhook payload. The events are the SDK's; only ``handle_event`` looks inside.
        """
        try:
            events: list[object] = self._parser.parse(body, signature)
        except InvalidSignatureError as exc:
            raise BadSignature(str(exc)) from exc
        return events

    async def handle_event(self, event: object) -> None:
        """Answer one event; never raises (the webhook route runs it in a task nobody awaits)."""
        turn = interpret(event)
        if turn is None:
            return
        try:
            await self._intake.run_once(turn.event_id, turn.user_id, lambda: self._answer(turn))
        except Exception:
            log.exception("LINE event %s failed", turn.event_id)

    async def _answer(self, turn: LineTurn) -> None:
        if turn.message is None:
            await self.send(turn.user_id, turn.reply_token, turn.canned)
            return
        try:
            replies = await self._handler.handle(turn.message)
        except Exception:
            if turn.message.kind != Kind.UNFOLLOW:
                await self.send(turn.user_id, turn.reply_token, [FAILURE_REPLY])
            raise
        if turn.message.kind == Kind.UNFOLLOW:
            return  # the person blocked the bot: there is nobody to answer
        await self.send(turn.user_id, turn.reply_token, replies)

    async def send(self, user_id: str, reply_token: str | None, replies: Sequence[Reply]) -> None:
        groups = batches(to_line_messages(replies))
        if not groups:
            return
        if reply_token is not None and await self._reply(reply_token, groups[0]):
            groups = groups[1:]
        for group in groups:
            await self.push(user_id, group)

    async def _reply(self, reply_token: str, messages: list[TextMessage]) -> bool:
        api = self._require_api()
        try:
            await api.reply_message(
                ReplyMessageRequest(replyToken=reply_token, messages=messages),
                _request_timeout=self._timeout_s,
            )
            return True
        except ApiException as exc:
            log.info("LINE reply refused (%s %s); sending as push", exc.status, _short(exc.body))
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The reply may have gone through; a duplicate answer beats a silent bot.
            log.warning("LINE reply failed (%r); sending as push", exc)
        return False

    async def push(self, to: str, messages: list[TextMessage]) -> bool:
        """Push up to five messages; True once LINE has accepted them (now or on an earlier attempt)."""
        api = self._require_api()
        retry_key = str(uuid.uuid4())
        for attempt in range(1, self._push_attempts + 1):
            try:
                await api.push_message(
                    PushMessageRequest(to=to, messages=messages),
                    x_line_retry_key=retry_key,
                    _request_timeout=self._timeout_s,
                )
                return True
            except ApiException as exc:
                if exc.status == 409:
                    return True  # an earlier attempt with this key was accepted
                retryable = exc.status is not None and (
                    exc.status >= 500
                    or (exc.status == 429 and MONTHLY_LIMIT_MARK not in _short(exc.body, 2000))
                )
                problem = f"{exc.status} {_short(exc.body)}"
            except (TimeoutError, aiohttp.ClientError) as exc:
                retryable, problem = True, repr(exc)
            if not retryable or attempt == self._push_attempts:
                log.error("LINE push to %s failed after %d attempt(s): %s", to, attempt, problem)
                return False
            log.warning(
                "LINE push attempt %d failed (%s); retrying with the same retry key", attempt, problem
            )
            await asyncio.sleep(self._push_backoff.delay_s(attempt))
        return False

    def _require_api(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineChannel.start() has not run")
        return self._api


async def _skip_per_request_environment_lookups(client: AsyncApiClient, config: Configuration) -> None:
    """Swap the SDK's session (trust_env=True) for one that does not consult the environment per request.

    With trust_env, aiohttp reads ~/.netrc and the proxy variables in a worker thread on every request: two
    thread hops per reply, a third of a reply's cost on a busy machine. When a proxy is configured in the
    environment the SDK's session is kept as it is, so the proxy keeps working.
    """
    try:
        get_env_proxy_for_url(URL(config.host))
        return  # a proxy applies: keep the SDK's own behaviour
    except LookupError:
        pass
    rest = client.rest_client
    original = rest.pool_manager
    connector = aiohttp.TCPConnector(
        limit=MAX_CONNECTIONS, ssl=ssl.create_default_context(cafile=config.ssl_ca_cert)
    )
    rest.pool_manager = aiohttp.ClientSession(connector=connector, trust_env=False)
    await original.close()


def _short(body: object, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return text[:limit]
