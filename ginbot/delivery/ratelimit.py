"""Rate limits as pure state transitions (tested with tables of times), plus a thin asyncio wrapper.

The bucket *reserves*: a caller that finds no token gets a negative balance and the wait until its token
exists, so concurrent senders queue up in order instead of all waking at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


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
        # A burst of one second's worth keeps the long-run average at the limit while hiding jitter.
        self.burst = burst if burst is not None else max(1.0, rate_per_s)
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

    def pause(self, pause_s: float) -> None:
        self._bucket = pause(self._bucket, self._clock(), pause_s)

    def _forget_old(self, now_s: float) -> None:
        if len(self._last_sent) > 4 * max(1.0, self.rate_per_s * self.per_chat_interval_s) + 64:
            horizon = now_s - self.per_chat_interval_s
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
