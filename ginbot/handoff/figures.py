"""The handoff figures the dashboard shows: waiting now, the oldest wait, time to first staff reply
(p50/p90) and conversations closed per day. Pure over ginbot.db.handoffs.Figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ginbot.db.handoffs import Figures

DAYS_SHOWN = 7


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def duration_th(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 1:
        return f"{seconds:.0f} วินาที"
    if minutes < 120:
        return f"{minutes:.0f} นาที"
    return f"{minutes / 60:.1f} ชั่วโมง"


@dataclass(frozen=True)
class Summary:
    waiting: int
    open: int
    oldest_wait: str
    first_reply_p50: str
    first_reply_p90: str
    replied: int
    closed_per_day: list[tuple[date, int]]


def summarise(figures: Figures, now: datetime, tz: ZoneInfo) -> Summary:
    oldest = None
    if figures.oldest_wait_opened_at is not None:
        oldest = (now - figures.oldest_wait_opened_at).total_seconds()
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=i) for i in range(DAYS_SHOWN - 1, -1, -1)]
    return Summary(
        waiting=figures.waiting,
        open=figures.open,
        oldest_wait=duration_th(oldest),
        first_reply_p50=duration_th(percentile(figures.first_reply_s, 50)),
        first_reply_p90=duration_th(percentile(figures.first_reply_s, 90)),
        replied=len(figures.first_reply_s),
        closed_per_day=[(d, figures.closed_per_day.get(d.isoformat(), 0)) for d in days],
    )
