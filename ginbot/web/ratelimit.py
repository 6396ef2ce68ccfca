"""Token buckets that refuse: a request without a token gets "try again in N seconds", never a queue.

For the public web chat (anyone on the internet can call it) per client address and per visitor id. The
state transition is pure (``try_take``); ``MemoryLimiter`` keeps one bucket per key for one process, and
forgets buckets that have refilled, so a flood of new keys cannot grow it without bound. ``Limiter`` is
the seam for a shared store (several processes behind one address limit).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Allowance:
    rate_per_s: float  # tokens added per second
    burst: float  # most tokens a bucket holds (requests allowed at once after a quiet spell)


def try_take(tokens: float, updated_s: float, now_s: float, allowance: Allowance) -> tuple[float, float]:
    """Take one token: (tokens left, 0.0), or when there is none (tokens unchanged, seconds until one)."""
    tokens = min(allowance.burst, tokens + max(0.0, now_s - updated_s) * allowance.rate_per_s)
    if tokens >= 1.0:
        return tokens - 1.0, 0.0
    return tokens, (1.0 - tokens) / allowance.rate_per_s


class Limiter(Protocol):
    async def check(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds to wait before asking again."""
        ...


class MemoryLimiter:
    def __init__(
        self, allowance: Allowance, *, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.allowance = allowance
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def check(self, key: str) -> float:
        now_s = self._clock()
        tokens, updated_s = self._buckets.get(key, (self.allowance.burst, now_s))
        tokens, wait_s = try_take(tokens, updated_s, now_s, self.allowance)
        self._buckets[key] = (tokens, now_s)
        if len(self._buckets) > self._max_keys:
            self._forget(now_s)
        return wait_s

    def _forget(self, now_s: float) -> None:
        # A bucket idle long enough to be full again is the same as no bucket.
        full_after_s = self.allowance.burst / self.allowance.rate_per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now_s - v[1] < full_after_s}
        if len(self._buckets) > self._max_keys:  # still too many: keep the most recently used half
            recent = sorted(self._buckets.items(), key=lambda kv: kv[1][1])[-self._max_keys // 2 :]
            self._buckets = dict(recent)

    def __len__(self) -> int:
        return len(self._buckets)
