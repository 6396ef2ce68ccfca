"""What a platform's answer means for an outbox row. Pure: classification and the next step.

Each transport turns its SDK's exceptions into ``SendError(outcome, …)`` with the helpers below, so the
sender's bookkeeping never sees an SDK type.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import timedelta

from ginbot.backoff import Backoff


class Outcome(enum.Enum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # LINE 409: this retry key was accepted before
    RETRY = "retry"  # 5xx, timeout, network: try again later with backoff
    RATE_LIMITED = "rate_limited"  # 429 (Telegram says how long: retry_after)
    BLOCKED = "blocked"  # 403 / the person blocked the bot: stop writing to them
    DEAD = "dead"  # 400 and anything else that will never succeed as is


class SendError(Exception):
    def __init__(self, outcome: Outcome, detail: str, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail
        self.retry_after_s = retry_after_s


LINE_MONTHLY_LIMIT = "monthly limit"


def classify_line_status(status: int, body: str) -> Outcome:
    if 200 <= status < 300:
        return Outcome.SENT
    if status == 409:
        return Outcome.ALREADY_SENT
    if status == 429:
        # "You have reached your monthly limit." will not change by retrying today.
        return Outcome.DEAD if LINE_MONTHLY_LIMIT in body.lower() else Outcome.RATE_LIMITED
    if status >= 500:
        return Outcome.RETRY
    # 400 (bad request), 401/403 (token or plan: the whole channel, not one person), 404 …
    return Outcome.DEAD


def retry_after_seconds(value: int | float | timedelta | None) -> float | None:
    """PTB gives ``retry_after`` as an int, or a timedelta when PTB_TIMEDELTA=true."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


@dataclass(frozen=True)
class Step:
    status: str  # the row's next status: sent | queued | failed | blocked
    delay_s: float = 0.0  # for queued: how long until the next attempt
    count_attempt: bool = True


def next_step(
    outcome: Outcome,
    *,
    attempts_before: int,
    max_attempts: int,
    retry_after_s: float | None,
    backoff: Backoff,
    rng: random.Random,
) -> Step:
    """Where a row goes after one send. ``attempts_before`` counts earlier failed attempts."""
    if outcome in (Outcome.SENT, Outcome.ALREADY_SENT):
        return Step("sent")
    if outcome is Outcome.BLOCKED:
        return Step("blocked")
    if outcome is Outcome.DEAD:
        return Step("failed")
    if outcome is Outcome.RATE_LIMITED and retry_after_s is not None:
        # Flood control is about the bot, not this message: wait as told, do not spend an attempt.
        return Step("queued", delay_s=retry_after_s, count_attempt=False)
    attempt = attempts_before + 1
    if attempt >= max_attempts:
        return Step("failed")
    return Step("queued", delay_s=backoff.delay_s(attempt, rng))
