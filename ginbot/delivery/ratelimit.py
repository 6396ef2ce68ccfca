"""Rate limits: the small interface the sender asks before each request, and its in-process version.

``Limiter`` has two implementations: ``RateLimiter`` here (pure state transitions, tested with tables of
times, plus a thin asyncio wrapper) for one process on SQLite, and ``SharedRateLimiter``
(ginbot/delivery/shared_limits.py) for every process of a PostgreSQL deployment together. ``limiters_for``
picks by database URL.

The bucket *reserves*: a caller that finds no token gets a negative balance and the wait until its token
exists, so concurrent senders queue up in order instead of all waking at once.

The bucket holds at most ``1 + SLACK_SLOTS`` tokens, not a second's worth: a platform counts messages per
second, and a full second's worth saved during a pause (a new batch being claimed, a slow database) would
go out on top of the next second's own — up to twice the limit in one second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

# How late (in slots) a caller may come and still keep the pace it missed; the most any one second can then
# hold is rate + 1 + SLACK_SLOTS. Half a slot absorbs ordinary event-loop lag at no cost to the bound.
SLACK_SLOTS = 0.5


class Limiter(Protocol):
    """Permission to send one request (to ``chat_id``, when the platform limits each chat as well)."""

    async def acquire(self, chat_id: str | None = None) -> None:
        """Return when one request may start now: within the overall rate and the chat's interval."""
        ...

    async def pause(self, pause_s: float) -> None:
        """Grant nothing for ``pause_s`` (the platform said 429 with a retry-after)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated_s: float  # monotonic clock reading of the last update
    paused_until_s: float = 0.0  # a platform asked us to stop (Telegram 429 retry_after)


def take(bucket: Bucket, now_s: float, *, rate_per_s: float, burst: float) -> tuple[Bucket, float]:
    """Take one token; return the new state and how long to wait before sending."""
    start_s = max(now_s, bucket.paused_until_s)
    tokens = min(burst, bucket.tokens + max(0.0, start_s - bucket.updated_s) * rate_per_s)
    updated_s = max(start_s, bucket.updated_s)
    tokens -= 1.0
    wait_s = (start_s - now_s) + (max(0.0, -tokens) / rate_per_s)
    return Bucket(tokens, updated_s, bucket.paused_until_s), wait_s


def pause(bucket: Bucket, now_s: float, pause_s: float) -> Bucket:
    """Stop every send for ``pause_s`` (and start from an empty bucket afterwards: no burst on resume)."""
    until_s = max(bucket.paused_until_s, now_s + pause_s)
    return Bucket(min(bucket.tokens, 0.0), until_s, until_s)


def chat_wait_s(last_sent_s: float | None, now_s: float, interval_s: float) -> float:
    """How long before this chat may get another message (Telegram: about one per second per chat)."""
    if last_sent_s is None:
        return 0.0
    return max(0.0, last_sent_s + interval_s - now_s)


class RateLimiter:
    """An overall token bucket plus a per-chat minimum interval, for one process."""

    def __init__(
        self,
        rate_per_s: float,
        per_chat_interval_s: float = 0.0,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst if burst is not None else 1.0 + SLACK_SLOTS
        self.per_chat_interval_s = per_chat_interval_s
        self._clock = clock
        self._sleep = sleep
        self._bucket = Bucket(tokens=self.burst, updated_s=clock())
        # Only chats sent to within the last interval matter, so the dict stays as small as rate × interval.
        self._last_sent: dict[str, float] = {}

    async def acquire(self, chat_id: str | None = None) -> None:
        now_s = self._clock()
        if chat_id is not None and self.per_chat_interval_s > 0:
            wait = chat_wait_s(self._last_sent.get(chat_id), now_s, self.per_chat_interval_s)
            # Book the slot before sleeping, so a second message to the same chat queues behind this one.
            self._last_sent[chat_id] = now_s + wait
            if wait > 0:
                await self._sleep(wait)
                now_s = self._clock()
        self._bucket, wait_s = take(self._bucket, now_s, rate_per_s=self.rate_per_s, burst=self.burst)
        if wait_s > 0:
            await self._sleep(wait_s)
        if chat_id is not None and self.per_chat_interval_s > 0:
            self._last_sent[chat_id] = max(self._last_sent.get(chat_id, 0.0), self._clock())
            self._forget_old(self._clock())

    async def pause(self, pause_s: float) -> None:
        self._bucket = pause(self._bucket, self._clock(), pause_s)

    async def close(self) -> None:
        pass

    def _forget_old(self, now_s: float) -> None:
        if len(self._last_sent) > 4 * max(1.0, self.rate_per_s * self.per_chat_interval_s) + 64:
            horizon = now_s - self.per_chat_interval_s
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
