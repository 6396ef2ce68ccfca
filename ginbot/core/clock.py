"""The one source of "now" and "today" for ginbot, pinnable for demos and tests (GINBOT_TODAY / --today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass(frozen=True)
class Clock:
    """Real time, or a pinned calendar day on which the wall-clock time still advances.

    Pinning only the date keeps timestamps ordered (message logs, retries) while every date-dependent
    answer behaves as on that day in Bangkok, which is where the campaign's dates are defined.
    """

    pinned_today: date | None = None
    tz: ZoneInfo = BANGKOK

    def now(self) -> datetime:
        real = datetime.now(UTC).astimezone(self.tz)
        if self.pinned_today is None:
            return real
        return datetime.combine(self.pinned_today, real.timetz())

    def today(self) -> date:
        return self.pinned_today or datetime.now(UTC).astimezone(self.tz).date()

    def at(self, day: date, clock_time: time) -> datetime:
        """A wall-clock moment on ``day`` in the campaign's time zone (e.g. 09:00 reminders)."""
        return datetime.combine(day, clock_time, tzinfo=self.tz)
