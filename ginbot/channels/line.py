"""The LINE adapter: verified webhook events in, the core's replies out (reply API, push as the fallback).

Events arrive through the durable inbox (``receive`` turns a verified body into inbox entries, ``process``
answers one stored event). Sending rules, in ginbot.channels.line_send: the first five messages go as a
reply while the token is live, more (or all, when there is no live token) as pushes of five with retry keys
derived from the event, and what pushes cannot deliver goes to the outbox. Nothing is lost; nothing is sent
twice. Every call passes ``_request_timeout``; the SDK's default is five minutes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import ssl
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, Message
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import Event
from yarl import URL

from ginbot.backoff import Backoff
from ginbot.channels.base import FAILURE_REPLY, Sent
from ginbot.channels.inbox import bounded
from ginbot.channels.line_convert import LineTurn, interpret
from ginbot.channels.line_loading import LoadingAnimation
from ginbot.channels.line_send import REPLY_TOKEN_TRUST_S, Answering, LineSender
from ginbot.core.messages import Channel, Kind, MessageHandler, Reply
from ginbot.db.inbox import Leased, NewEvent, mark_reply_started
from ginbot.db.models import utcnow
from ginbot.delivery.answers import AnswerQueue
from ginbot.observability import metrics
from ginbot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# LINE answers in well under a second; ten seconds leaves room for a bad minute without pinning a task.
REQUEST_TIMEOUT_S = 10.0
# Concurrent requests to LINE (the SDK's default is 5 per CPU): replies at 300/s with LINE ~50 ms away
# keep about 15 in flight.
MAX_CONNECTIONS = 64
# Pushes: three tries within about a second (0.2 s, then 1 s), then the outbox takes the answer.
PUSH_ATTEMPTS = 3
PUSH_BACKOFF = Backoff(first_s=0.2, max_s=1.0, factor=5)
# Parsed events kept between receive() and process(): a few seconds of webhooks at a busy hour.
RECENT_EVENTS = 4096


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
        max_event_age: timedelta = timedelta(days=7),
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        push_backoff: Backoff = PUSH_BACKOFF,
        push_attempts: int = PUSH_ATTEMPTS,
        answers: AnswerQueue | None = None,
    ) -> None:
        self._validator = SignatureValidator(channel_secret)
        self._max_event_age = max_event_age
        self._config = Configuration(access_token=access_token, host=api_base)
        self._handler = handler
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None
        # Events as receive() read them, for process(): parsing the SDK's event model again cost as much as
        # the first time. The stored row stays the source: a reading is used only for the very payload the
        # row holds (a redelivery's copy differs), and what is missing here is parsed from the row.
        self._parsed: _Recent[tuple[str, LineTurn | None, datetime]] = _Recent(RECENT_EVENTS)
        # Set by the app to the inbox processor's reply_starting (None: replies are not recorded first).
        self.reply_marker: Callable[[int], Awaitable[None]] | None = None
        self.sender = LineSender(
            self._require_api,
            timeout_s=request_timeout_s,
            push_backoff=push_backoff,
            push_attempts=push_attempts,
            max_in_flight=MAX_CONNECTIONS,
            queue=answers,
        )
        self.loading = LoadingAnimation(self._require_api)

    @classmethod
    def from_settings(
        cls, settings: Settings, handler: MessageHandler, answers: AnswerQueue | None = None
    ) -> LineChannel:
        assert settings.line_channel_secret and settings.line_channel_access_token, "LINE is not configured"
        return cls(
            channel_secret=settings.line_channel_secret.get_secret_value(),
            access_token=settings.line_channel_access_token.get_secret_value(),
            api_base=settings.line_api_base,
            handler=handler,
            max_event_age=timedelta(days=settings.inbox_keep_days),
            answers=answers,
        )

    async def start(self) -> None:
        # AsyncApiClient opens an aiohttp session in its constructor: it must be made inside the running loop.
        self._config.connection_pool_maxsize = MAX_CONNECTIONS
        self._client = AsyncApiClient(self._config)
        await _skip_per_request_environment_lookups(self._client, self._config)
        self._api = AsyncMessagingApi(self._client)

    async def close(self) -> None:
        await self.loading.close()
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

    def receive(self, body: str, signature: str, now: datetime | None = None) -> list[NewEvent]:
        """Verify the signature over the raw body; the events that ask something of ginbot, for the inbox.

        Raises ``BadSignature`` for a wrong signature, ``ValueError`` (also ``RecursionError``, ``KeyError``,
        ``TypeError``) for a body that is not a webhook payload. Events that ask nothing (groups, standby,
        unknown types) are not stored, nor are events older than the inbox remembers keys for: such an event
        could be a replay of one answered long ago.
        """
        if not self._validator.validate(body, signature):
            raise BadSignature("wrong X-Line-Signature")
        payload = json.loads(body)
        raw_events = payload["events"]
        if not isinstance(raw_events, list):
            raise TypeError("events is not a list")
        oldest = (now or datetime.now(UTC)) - self._max_event_age
        entries = []
        for raw in raw_events:
            turn = interpret(_event(raw))
            if turn is None:
                continue
            if _timestamp(raw) < oldest:
                log.warning("LINE event %s is older than %s: refused as a possible replay", turn.event_id[:80], self._max_event_age)
                metrics.count_rejection("line", "too_old")
                continue
            payload_json = json.dumps(raw, ensure_ascii=False)
            key = bounded(turn.event_id)
            # The event's timestamp is LINE's order of the person's events (see InboxEvent.sequence).
            sequence = int(raw["timestamp"])
            entries.append(NewEvent(Channel.LINE, key, bounded(turn.user_id), payload_json, sequence))
            self._parsed.keep(key, (payload_json, turn, _timestamp(raw)))
        return entries

    async def process(self, event: Leased, final: bool) -> None:
        """Answer one stored event. Raises when the core failed and another attempt may succeed."""
        kept = self._parsed.take(event.event_key)
        if kept is not None and kept[0] == event.payload:
            _payload, turn, sent_at = kept
        else:  # not read by this process (a restart, a retry), or another delivery's copy: from the row
            raw = json.loads(event.payload)
            turn, sent_at = interpret(_event(raw)), _timestamp(raw)
        if turn is None:
            return
        age_s = (datetime.now(UTC) - sent_at).total_seconds()
        marker = self.reply_marker
        answering = Answering(
            event_key=event.event_key,
            reply_token=turn.reply_token,
            # A redelivered event's token is dead; an old one may be.
            token_live=not turn.redelivered and age_s < REPLY_TOKEN_TRUST_S,
            maybe_replied=event.reply_started,
            reply_starting=(lambda: marker(event.id)) if marker is not None else None,
        )
        receipt = None
        if marker is not None and turn.message is not None and answering.replies_first and not answering.maybe_replied:
            # The mark goes in with the turn's own transaction, which commits before the reply is sent.
            receipt = _ReplyStarting(event.id)
            turn = dataclasses.replace(turn, message=dataclasses.replace(turn.message, receipt=receipt))
        await self._answer(turn, answering, final, receipt)

    async def _answer(
        self, turn: LineTurn, answering: Answering, final: bool = True, receipt: _ReplyStarting | None = None
    ) -> None:
        if turn.message is None:
            await self.deliver(turn.user_id, turn.canned, answering)
            return
        try:
            if turn.message.kind == Kind.TEXT:
                replies = await self.loading.during(turn.user_id, self._handler.handle(turn.message))
            else:
                replies = await self._handler.handle(turn.message)
        except Exception:
            # Only once no attempt is left: an apology now and the answer on the retry would read oddly.
            if final and turn.message.kind != Kind.UNFOLLOW:
                await self.deliver(turn.user_id, [FAILURE_REPLY], answering)
            raise
        if turn.message.kind == Kind.UNFOLLOW:
            return  # the person blocked the bot: there is nobody to answer
        if receipt is not None and receipt.written:
            answering = dataclasses.replace(answering, reply_starting=None)  # committed with the turn
        await self.deliver(turn.user_id, replies, answering)

    async def deliver(self, user_id: str, replies: Sequence[Reply], answering: Answering) -> None:
        await self.sender.deliver(user_id, replies, answering)

    async def send(self, user_id: str, reply_token: str | None, replies: Sequence[Reply]) -> None:
        """Answer outside the inbox (no event to derive retry keys from): reply, else push."""
        await self.deliver(user_id, replies, Answering(reply_token=reply_token))

    async def push(self, to: str, messages: list[Message]) -> bool:
        """Push up to five messages; True once LINE has accepted them (now or on an earlier attempt)."""
        return await self.sender.push(to, messages) is Sent.YES

    def _require_api(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineChannel.start() has not run")
        return self._api


class _Recent(Generic[T]):
    """The values of the last ``size`` keys (a later value for a key replaces the earlier one)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[str, T] = OrderedDict()

    def keep(self, key: str, value: T) -> None:
        self._values.pop(key, None)
        self._values[key] = value
        if len(self._values) > self._size:
            self._values.popitem(last=False)

    def take(self, key: str) -> T | None:
        return self._values.pop(key, None)


class _ReplyStarting:
    """The inbox's "a reply is starting" mark, written by the turn's transaction (IncomingMessage.receipt).

    ``written`` tells the sender it need not write the mark itself: set once the statement ran, and the
    handler returns only after that transaction committed (a handler that never calls it leaves the mark
    to the sender, as before)."""

    def __init__(self, event_id: int) -> None:
        self.event_id = event_id
        self.written = False

    async def __call__(self, session: Any) -> None:
        await mark_reply_started(session, [self.event_id], utcnow())
        self.written = True


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


def _event(raw: Any) -> object:
    """The SDK's event object for one raw event; an unknown type is None (it asks nothing of ginbot)."""
    if not isinstance(raw, dict):
        raise TypeError("an event is not an object")
    if isinstance(raw.get("type"), str) and Event.get_discriminator_value(raw) is None:
        return None  # an event type newer than the SDK (the SDK's parser logs and skips these too)
    return Event.from_dict(raw)


def _timestamp(raw: dict[str, Any]) -> datetime:
    value = raw.get("timestamp")
    if not isinstance(value, int | float):
        raise TypeError("event timestamp is not a number")
    return datetime.fromtimestamp(value / 1000, UTC)

