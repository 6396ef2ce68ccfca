"""The rate limits of a PostgreSQL deployment: one row per limit, asked by every process (see
ginbot/db/rate_limits.py), so GINBOT_TELEGRAM_RATE_PER_S means every `serve` and `worker` together.

Why a row of "next slot" rather than a token bucket or per-second counters: a send may start only when
its slot is due *now* (nothing is reserved ahead), so a process that stalls — a long database call, a busy
core — does not come back with a handful of granted slots to spend at once; it simply took none meanwhile.
The in-process side asks with one coroutine at a time (``_turn``): processes, not coroutines, take turns at
the row, so a grant costs one round trip for the winner and about one more per other process.

A grant that comes back later than ``stale_s`` after it was asked for (the process stalled on the way)
is dropped and asked for again: sending it now would crowd the slots granted since to others.

At high rates one round trip per message is itself the limit (a busy machine answers in 5-20 ms), so a
process with several senders waiting takes a few consecutive slots at once (at most a twentieth of a second's
worth, above 40/s) and hands them out one interval apart; a slot whose sender wakes more than ``stale_s`` after it is
dropped, so a stall still never turns into a burst.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from ginbot.backoff import Backoff
from ginbot.db import rate_limits
from ginbot.db.dedicated import DedicatedConnection
from ginbot.delivery.ratelimit import SLACK_SLOTS

T = TypeVar("T")
log = logging.getLogger(__name__)

# Sleeping exactly the wait the server computed can wake a hair early and cost a round trip for nothing.
WAKE_MARGIN_S = 0.001
# The database failing must not let messages out unlimited: wait and ask again, soon at first.
FAILURE_BACKOFF = Backoff(first_s=0.2, max_s=5.0)
# A chat's or a limit's row idle this long is deleted (a missing row is a free one).
PRUNE_IDLE_S = 600.0
# The most slots one round trip takes, in seconds of the rate (see the module's docstring): below 40/s one
# (a round trip per message keeps up, and a batch handed out locally drifts from the shared schedule by a
# round trip: measured at 30/s, two workers then saw 35 in one second instead of 32).
BATCH_S = 0.05
# A grant heard back later than one slot is not used (see the module's docstring); never stricter than a
# database round trip on a busy machine can meet, never looser than a tenth of a second.
MIN_STALE_S = 0.02
MAX_STALE_S = 0.1
PRUNE_EVERY_S = 300.0
# Slots are granted by PostgreSQL's clock, but a message reaches the platform only after this process's own
# HTTP and event-loop delays, which vary by tens of milliseconds between processes (up to ~0.15 s seen at
# the stub). Pacing the shared slots at 95 % of the setting leaves room for that jitter: at 20/s two workers
# then put at most 21-22 messages into a platform's second, where pacing at exactly 20/s let 23 through.
HEADROOM = 0.95


class SharedRateLimiter:
    """``Limiter`` shared through PostgreSQL: ``name``'s overall rate, plus each chat's interval."""

    def __init__(
        self,
        conn: DedicatedConnection,
        name: str,
        rate_per_s: float,
        per_chat_interval_s: float = 0.0,
        *,
        chat_conn: DedicatedConnection | None = None,
        stale_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.conn = conn
        # Chats on a connection of their own: a send's overall slot must not queue behind other sends'
        # chat bookings (it would come late, and late grants are dropped).
        self.chat_conn = chat_conn or conn
        self.name = name
        self.interval_s = 1.0 / (rate_per_s * HEADROOM)
        self.slack_s = SLACK_SLOTS * self.interval_s
        self.per_chat_interval_s = per_chat_interval_s
        # One slot late is as late as a grant may be used: later, it lands among the next holder's sends.
        self.stale_s = stale_s if stale_s is not None else min(max(self.interval_s, MIN_STALE_S), MAX_STALE_S)
        self.granted = 0
        self._clock = clock
        self._sleep = sleep
        self._turn = asyncio.Lock()
        self._slots: deque[float] = deque()  # taken slots not yet handed out (this process's clock)
        self._waiting = 0  # senders in acquire(): how many slots are worth taking at once
        self.max_batch = max(1, int(rate_per_s * HEADROOM * BATCH_S))
        self._pruned_at = clock()
        self.stale_grants = 0  # grants dropped as too late (the bench prints it)

    async def acquire(self, chat_id: str | None = None) -> None:
        if chat_id is not None and self.per_chat_interval_s > 0:
            key, interval_s = f"{self.name}:chat:{chat_id}", self.per_chat_interval_s
            wait_s = await self._ask(lambda c: rate_limits.reserve(c, key, interval_s), self.chat_conn)
            if wait_s > 0:
                await self._sleep(wait_s)
        self._waiting += 1
        try:
            async with self._turn:
                while True:
                    if not self._slots:
                        await self._take_slots()
                    slot_s = self._slots.popleft()
                    early_s = slot_s - self._clock()
                    if early_s > 0:
                        await self._sleep(early_s)
                    if self._clock() - slot_s > self.stale_s:
                        self.stale_grants += 1  # woke too late for it: the next holder's slots have begun
                        continue
                    break
        finally:
            self._waiting -= 1
        self.granted += 1
        await self._prune_now_and_then()

    async def _take_slots(self) -> None:
        """Ask until granted; then the granted slots, one interval apart from now, are ours to hand out."""
        asked_s = 0.0
        count = max(1, min(self._waiting, self.max_batch))

        async def take(c: AsyncConnection) -> float:
            nonlocal asked_s
            asked_s = self._clock()  # once the connection is ours: only the round trip counts as late
            return await rate_limits.take(c, self.name, self.interval_s, self.slack_s, count)

        while True:
            wait_s = await self._ask(take)
            now_s = self._clock()
            if wait_s > 0:
                await self._sleep(wait_s + WAKE_MARGIN_S)
            elif now_s - asked_s > self.stale_s:
                self.stale_grants += count
            else:
                self._slots.extend(now_s + i * self.interval_s for i in range(count))
                return

    async def pause(self, pause_s: float) -> None:
        self._slots.clear()  # taken before the platform said stop: not to be used
        await self._ask(lambda c: rate_limits.pause(c, self.name, pause_s))

    async def close(self) -> None:
        # The connection belongs to whoever made it (it is shared with the other limits).
        if self.granted:
            log.info("rate limit %s: %d sends granted here, %d grants dropped as late", self.name, self.granted,
                     self.stale_grants)

    async def _ask(
        self, statement: Callable[[AsyncConnection], Awaitable[T]], conn: DedicatedConnection | None = None
    ) -> T:
        attempt = 0
        while True:
            try:
                return await (conn or self.conn).run(statement)
            except Exception as exc:
                attempt += 1
                delay_s = FAILURE_BACKOFF.delay_s(attempt)
                log.warning("rate limit %s: the database did not answer (%r); asking again in %.1f s",
                            self.name, exc, delay_s)
                await self._sleep(delay_s)

    async def _prune_now_and_then(self) -> None:
        if self._clock() - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = self._clock()
        try:
            await self.conn.run(lambda c: rate_limits.prune(c, PRUNE_IDLE_S))
        except Exception:
            log.warning("rate limits: pruning idle rows failed; trying again later", exc_info=True)
