"""Pure token bucket and per-chat spacing, then the asyncio wrapper with a fake clock."""

from __future__ import annotations

import pytest

from ginbot.delivery.ratelimit import Bucket, RateLimiter, chat_wait_s, pause, take


def run(bucket: Bucket, times: list[float], rate: float, burst: float) -> list[float]:
    waits = []
    for t in times:
        bucket, wait = take(bucket, t, rate_per_s=rate, burst=burst)
        waits.append(round(wait, 6))
    return waits


@pytest.mark.parametrize(
    ("tokens", "times", "rate", "burst", "waits"),
    [
        # A full bucket lets a burst through, then one token per 1/rate seconds.
        (3, [0, 0, 0, 0, 0], 10, 3, [0, 0, 0, 0.1, 0.2]),
        # Requests spaced at the rate never wait.
        (1, [0, 0.1, 0.2, 0.3], 10, 1, [0, 0, 0, 0]),
        # Idle time refills, but never above the burst.
        (0, [10, 10, 10], 30, 2, [0, 0, round(1 / 30, 6)]),
        # 30 msg/s: the 31st message in the same instant waits a whole second... minus nothing.
        (30, [0] * 31, 30, 30, [0] * 30 + [round(1 / 30, 6)]),
    ],
)
def test_token_bucket(
    tokens: float, times: list[float], rate: float, burst: float, waits: list[float]
) -> None:
    assert run(Bucket(tokens, 0.0), times, rate, burst) == waits


def test_long_run_rate_is_the_limit() -> None:
    bucket, t, n = Bucket(0.0, 0.0), 0.0, 300
    for _ in range(n):
        bucket, wait = take(bucket, t, rate_per_s=30, burst=30)
        t += wait
    assert t == pytest.approx((n - 1) / 30 + 1 / 30, rel=1e-6)


def test_pause_holds_everything_then_resumes_without_burst() -> None:
    bucket = pause(Bucket(5.0, 0.0), now_s=1.0, pause_s=3.0)
    waits = run(bucket, [1.0, 2.0, 4.0, 4.0], rate=10, burst=5)
    assert waits == [3.1, 2.2, 0.3, 0.4]


@pytest.mark.parametrize(
    ("last", "now", "interval", "wait"),
    [
        (None, 5.0, 1.0, 0.0),
        (4.0, 5.0, 1.0, 0.0),
        (4.5, 5.0, 1.0, 0.5),
        (5.0, 5.0, 1.0, 1.0),
        (4.5, 5.0, 0.0, 0.0),
    ],
)
def test_per_chat_wait(last: float | None, now: float, interval: float, wait: float) -> None:
    assert chat_wait_s(last, now, interval) == pytest.approx(wait)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, s: float) -> None:
        self.sleeps.append(round(s, 6))
        self.t += s


async def test_limiter_spaces_messages_to_one_chat() -> None:
    clock = FakeClock()
    limiter = RateLimiter(100, 1.0, burst=2, clock=clock, sleep=clock.sleep)
    await limiter.acquire("a")
    await limiter.acquire("b")
    await limiter.acquire("a")  # same chat again: waits out the 1 s
    assert clock.sleeps == [1.0]
    assert clock.t == pytest.approx(1.0)


async def test_limiter_honours_pause() -> None:
    clock = FakeClock()
    limiter = RateLimiter(30, 0.0, clock=clock, sleep=clock.sleep)
    await limiter.pause(5.0)
    await limiter.acquire("a")
    assert clock.t >= 5.0
