"""Sending one answer on LINE so that it arrives, and arrives once.

- **Reply** while the event's token is live (replies are free; pushes count against the monthly quota).
  A reply has no retry key, so an uncertain reply (timeout, network error, 5xx) is retried *with the same
  token*: if LINE had taken the first, the token is spent and LINE answers 400 "Invalid reply token", which
  — only after an uncertain attempt — means "already delivered", not "send it another way". Before the
  first reply the inbox records durably that a reply is starting; an event recovered after a crash with
  that mark starts in the uncertain state (whatever the token's age), one without it never does. The one
  case this cannot tell apart: a reply whose request never left before the crash, retried after the
  token expired — counted as delivered (``replies_trusted_as_sent``) and logged.
- **Push** when there is no live token (a redelivered event, an old one) or the reply was refused for sure.
  Each push carries an ``X-Line-Retry-Key`` derived from the webhook event and the part of the answer, so
  every attempt — in this process, after a restart, or from the outbox — is the same request to LINE, and
  a repeat of an accepted one gets 409 (counted as sent).
- **The outbox** (``ginbot.delivery.answers``) when pushes keep failing: the sender delivers later with
  backoff and a lease, under the same retry keys.
- Timeouts cover the request only: a semaphore as wide as the connection pool is taken first, so no request
  spends its timeout waiting for a pooled connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    Message,
    PushMessageRequest,
)

from ginbot.backoff import Backoff
from ginbot.channels.base import Sent
from ginbot.channels.line_convert import LINE_MESSAGES_PER_REQUEST, batches, render_reply, rest_of
from ginbot.channels.line_wire import post_reply
from ginbot.core.messages import Channel, Reply
from ginbot.delivery.answers import AnswerQueue, QueuedMessage, retry_key

log = logging.getLogger(__name__)

# A 429 saying this is the monthly message quota: retrying cannot help until next month.
MONTHLY_LIMIT_MARK = "monthly limit"
INVALID_TOKEN_MARK = "invalid reply token"
# LINE's reply tokens are meant to be used within about a minute; past this one is treated as dead (push),
# and before it a "spent" token after an uncertain attempt is trusted to mean "delivered".
REPLY_TOKEN_TRUST_S = 50.0
# Pause before the one retry of an uncertain reply.
REPLY_RETRY_DELAY_S = 0.2


@dataclass(frozen=True)
class Answering:
    """What is known about the event an answer is for."""

    event_key: str | None = None  # the inbox key; retry keys are derived from it (random when None)
    reply_token: str | None = None
    token_live: bool = True  # young enough and not a redelivery
    maybe_replied: bool = False  # an earlier attempt (before a crash) began a reply with this token
    # Records durably that a reply is about to go out (the inbox's reply_started_at), awaited first.
    reply_starting: Callable[[], Awaitable[None]] | None = None

    @property
    def replies_first(self) -> bool:
        """Whether the first messages go as a reply with the event's token (else all go as pushes)."""
        return self.reply_token is not None and (self.token_live or self.maybe_replied)


class LineSender:
    def __init__(
        self,
        api: Callable[[], AsyncMessagingApi],
        *,
        timeout_s: float,
        push_backoff: Backoff,
        push_attempts: int,
        max_in_flight: int,
        queue: AnswerQueue | None = None,
    ) -> None:
        self._api = api
        self._timeout_s = timeout_s
        self._push_backoff = push_backoff
        self._push_attempts = push_attempts
        self._slots = asyncio.Semaphore(max_in_flight)
        self.queue = queue
        self.replies_trusted_as_sent = 0  # spent tokens taken as "delivered" (tests and logs read it)

    async def deliver(self, to: str, replies: Sequence[Reply], answering: Answering) -> None:
        """Send ``replies`` to ``to`` (five messages a request); never raises for LINE's answers."""
        rendered = [render_reply(r) for r in replies]
        groups = batches([m for messages in rendered for m in messages])
        if not groups:
            return
        first_push = 0
        # A reply begun before a crash is retried with its token whatever its age: LINE refuses a spent
        # token, so a reply that went out is not sent again (by push) and one that did not goes now.
        if answering.replies_first and answering.reply_token is not None:
            if answering.reply_starting is not None and not answering.maybe_replied:
                await answering.reply_starting()
            outcome = await self.reply(answering.reply_token, groups[0], answering.maybe_replied)
            if outcome is Sent.YES:
                first_push = 1
            elif outcome is Sent.UNKNOWN:
                log.warning("LINE reply to %s: outcome unknown after a retry; pushing (may arrive twice)", to)
        for index in range(first_push, len(groups)):
            key = self._key(answering, index)
            outcome = await self.push(to, groups[index], key)
            if outcome is Sent.LATER:
                await self._to_outbox(to, replies, rendered, answering, index)
                return

    def _key(self, answering: Answering, index: int) -> str:
        if answering.event_key is None:
            return str(uuid.uuid4())
        return retry_key(answering.event_key, f"push{index}")

    async def reply(self, token: str, messages: list[Message], maybe_replied: bool = False) -> Sent:
        uncertain = maybe_replied
        for attempt in (1, 2):
            try:
                async with self._slots:
                    # As reply_message would, without its serialisation cost (line_wire.py).
                    await post_reply(self._api(), token, messages, self._timeout_s)
                return Sent.YES
            except ApiException as exc:
                body = _short(exc.body, 2000).lower()
                if exc.status == 400 and INVALID_TOKEN_MARK in body:
                    if uncertain:
                        # Spent, not expired: the earlier attempt got through (see the module note).
                        self.replies_trusted_as_sent += 1
                        log.info("LINE reply token already used by an earlier attempt: delivered once")
                        return Sent.YES
                    log.info("LINE reply token refused (expired or redelivered); sending as push")
                    return Sent.NEVER
                if exc.status is None or exc.status < 500:
                    log.info("LINE reply refused (%s %s); sending as push", exc.status, _short(exc.body))
                    return Sent.NEVER if exc.status != 429 else Sent.LATER
                uncertain = True  # a 5xx may have been applied
                problem = f"{exc.status} {_short(exc.body)}"
            except (TimeoutError, aiohttp.ClientError) as exc:
                uncertain = True
                problem = repr(exc)
            log.warning("LINE reply attempt %d failed (%s)", attempt, problem)
            if attempt == 1:
                await asyncio.sleep(REPLY_RETRY_DELAY_S)
        return Sent.UNKNOWN

    async def push(self, to: str, messages: list[Message], key: str | None = None) -> Sent:
        """Push up to five messages with one retry key across attempts."""
        key = key or str(uuid.uuid4())
        for attempt in range(1, self._push_attempts + 1):
            try:
                async with self._slots:
                    await self._api().push_message(
                        PushMessageRequest(to=to, messages=messages),
                        x_line_retry_key=key,
                        _request_timeout=self._timeout_s,
                    )
                return Sent.YES
            except ApiException as exc:
                if exc.status == 409:
                    return Sent.YES  # an earlier attempt with this key was accepted
                monthly = exc.status == 429 and MONTHLY_LIMIT_MARK in _short(exc.body, 2000).lower()
                retryable = exc.status is not None and (exc.status >= 500 or (exc.status == 429 and not monthly))
                problem = f"{exc.status} {_short(exc.body)}"
            except (TimeoutError, aiohttp.ClientError) as exc:
                retryable, problem = True, repr(exc)
            if not retryable:
                log.error("LINE refused a push to %s: %s", to, problem)
                return Sent.NEVER
            if attempt == self._push_attempts:
                log.warning("LINE push to %s failed after %d attempts: %s", to, attempt, problem)
                return Sent.LATER
            log.warning("LINE push attempt %d failed (%s); retrying with the same retry key", attempt, problem)
            await asyncio.sleep(self._push_backoff.delay_s(attempt))
        return Sent.LATER  # pragma: no cover - the loop always returns

    async def _to_outbox(
        self,
        to: str,
        replies: Sequence[Reply],
        rendered: Sequence[list[Message]],
        answering: Answering,
        first_group: int,
    ) -> None:
        """Queue what groups ``first_group`` onwards hold, as replies (cards and buttons kept): the sender
        renders them as a live answer would be. A reply half sent is queued as its unsent rest."""
        if self.queue is None or answering.event_key is None:
            log.error("LINE answer to %s lost: pushes failed and there is no outbox to keep it", to)
            return
        per_request = LINE_MESSAGES_PER_REQUEST
        total = sum(len(m) for m in rendered)
        first_unsent = first_group * per_request
        queued: list[QueuedMessage] = []
        start = 0
        for number, (reply, messages) in enumerate(zip(replies, rendered, strict=True)):
            end = start + len(messages)
            rest = rest_of(reply, first_unsent - start) if end > first_unsent else None
            if rest is not None:
                group, offset = divmod(start, per_request)
                whole_group = offset == 0 and start >= first_unsent and end == min(start + per_request, total)
                # A reply that was exactly one push keeps that push's key: if LINE took the push after all,
                # the outbox's attempt gets 409 instead of a second copy.
                key = self._key(answering, group) if whole_group else retry_key(answering.event_key, f"reply{number}")
                queued.append(QueuedMessage(rest.plain(), key, rest))
            start = end
        try:
            await self.queue.queue(Channel.LINE, to, queued)
            log.warning("LINE answer to %s queued in the outbox (%d replies) after pushes failed", to, len(queued))
        except Exception:
            log.exception("LINE answer to %s could not be queued either", to)
            raise


def _short(body: object, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return text[:limit]
