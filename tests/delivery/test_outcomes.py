"""What each platform answer does to a row: pure tables."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from ginbot.backoff import Backoff
from ginbot.delivery.outcomes import Outcome, classify_line_status, next_step, retry_after_seconds


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, "{}", Outcome.SENT),
        (409, '{"message":"The retry key is already accepted"}', Outcome.ALREADY_SENT),
        (429, '{"message":"Too many requests"}', Outcome.RATE_LIMITED),
        (429, '{"message":"You have reached your monthly limit."}', Outcome.DEAD),
        (500, "", Outcome.RETRY),
        (503, "", Outcome.RETRY),
        (400, '{"message":"The request body has 1 error(s)"}', Outcome.DEAD),
        (403, "", Outcome.DEAD),
    ],
)
def test_line_status(status: int, body: str, outcome: Outcome) -> None:
    assert classify_line_status(status, body) is outcome


@pytest.mark.parametrize(
    ("value", "seconds"), [(3, 3.0), (timedelta(seconds=7), 7.0), (None, None), (1.5, 1.5)]
)
def test_retry_after_int_or_timedelta(value: object, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "attempts_before", "retry_after", "status", "counted"),
    [
        (Outcome.SENT, 0, None, "sent", True),
        (Outcome.ALREADY_SENT, 2, None, "sent", True),
        (Outcome.BLOCKED, 0, None, "blocked", True),
        (Outcome.DEAD, 0, None, "failed", True),  # 400: dead letter at once
        (Outcome.RETRY, 0, None, "queued", True),
        (Outcome.RETRY, 3, None, "queued", True),
        (Outcome.RETRY, 4, None, "failed", True),  # the 5th failure of 5 allowed: dead letter
        (Outcome.RATE_LIMITED, 4, 9.0, "queued", False),  # flood control spends no attempt
        (Outcome.RATE_LIMITED, 0, None, "queued", True),  # LINE 429: backoff like a 5xx
    ],
)
def test_next_step(
    outcome: Outcome, attempts_before: int, retry_after: float | None, status: str, counted: bool
) -> None:
    step = next_step(
        outcome,
        attempts_before=attempts_before,
        max_attempts=5,
        retry_after_s=retry_after,
        backoff=Backoff(first_s=2.0, max_s=60.0, jitter=0.5),
        rng=random.Random(1),
    )
    assert (step.status, step.count_attempt) == (status, counted)
    if retry_after is not None:
        assert step.delay_s == retry_after
    elif status == "queued":
        assert 0 < step.delay_s <= 60.0
