"""When staff are at their desks: office hours on working days in Bangkok, weekends and holidays off.

Pure: ``is_open(hours, moment)`` and ``next_opening(hours, moment)`` take the moment as an argument, so the
rules are tested as a table of datetimes (as arq tests ``next_cron``). The handoff tells the official
"staff will answer here" when open, and "staff will be back on …" (Buddhist-era date) when closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ginbot.core.dates import english_date, thai_date

BANGKOK = ZoneInfo("Asia/Bangkok")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Saturday and Sunday (date.weekday()).
WEEKEND = frozenset({5, 6})
# A year of closed days in a row means a misconfiguration; stop looking rather than loop forever.
MAX_DAYS_AHEAD = 366


class OfficeHoursError(ValueError):
    """A malformed office-hours span ("08:30-16:30")."""


def parse_span(text: str) -> tuple[time, time]:
    """``"08:30-16:30"`` -> (08:30, 16:30); raises OfficeHoursError naming the problem."""
    match = _SPAN.match(text)
    if match is None:
        raise OfficeHoursError(f"{text!r} is not HH:MM-HH:MM, e.g. 08:30-16:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise OfficeHoursError(f"{text!r}: {exc}") from None
    if closes <= opens:
        raise OfficeHoursError(f"{text!r}: closing time must be after opening time")
    return opens, closes


@dataclass(frozen=True)
class OfficeHours:
    opens: time = time(8, 30)
    closes: time = time(16, 30)
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = BANGKOK

    @classmethod
    def from_text(cls, span: str, holidays: Iterable[date] = (), tz: ZoneInfo = BANGKOK) -> OfficeHours:
        opens, closes = parse_span(span)
        return cls(opens, closes, frozenset(holidays), tz)

    def working_day(self, day: date) -> bool:
        return day.weekday() not in WEEKEND and day not in self.holidays


def is_open(hours: OfficeHours, moment: datetime) -> bool:
    """Whether staff are in at ``moment`` (an aware datetime; read in the office's time zone)."""
    local = moment.astimezone(hours.tz)
    return hours.working_day(local.date()) and hours.opens <= local.time().replace(tzinfo=None) < hours.closes


def next_opening(hours: OfficeHours, moment: datetime) -> datetime:
    """The next moment staff are in, at or after ``moment`` (``moment`` itself when open now)."""
    if is_open(hours, moment):
        return moment
    local = moment.astimezone(hours.tz)
    day = local.date()
    if local.time().replace(tzinfo=None) >= hours.opens:
        day += timedelta(days=1)  # today's opening has passed (or today is closed after opening time)
    for _ in range(MAX_DAYS_AHEAD):
        if hours.working_day(day):
            return datetime.combine(day, hours.opens, tzinfo=hours.tz)
        day += timedelta(days=1)
    raise OfficeHoursError("no working day within a year: check GINBOT_HOLIDAYS")


def back_at(hours: OfficeHours, moment: datetime, *, english: bool = False) -> str:
    """When staff are back, as an official reads it: "พรุ่งนี้ (…) 08:30 น." or "วันจันทร์ 3 สิงหาคม 2563
    08:30 น."; in English "today at 08:30", "tomorrow at 08:30", "on Tuesday 7 July 2020 at 08:30"."""
    opening = next_opening(hours, moment)
    local_today = moment.astimezone(hours.tz).date()
    clock, day = f"{opening.hour:02d}:{opening.minute:02d}", opening.date()
    if english:
        when = "today" if day == local_today else "tomorrow" if day == local_today + timedelta(days=1) else None
        return f"{when} at {clock}" if when else f"on {english_date(day)} at {clock}"
    if day == local_today:
        return f"วันนี้ {clock} น."
    if day == local_today + timedelta(days=1):
        return f"พรุ่งนี้ ({thai_date(day, weekday=False)}) {clock} น."
    return f"{thai_date(day)} {clock} น."


def hours_en(hours: OfficeHours) -> str:
    return f"Monday to Friday, {hours.opens:%H:%M}–{hours.closes:%H:%M}"


def hours_th(hours: OfficeHours) -> str:
    """ "วันจันทร์–ศุกร์ 08:30–16:30 น." (holidays are not listed: the date staff are back says enough)."""
    return f"วันจันทร์–ศุกร์ {hours.opens:%H:%M}–{hours.closes:%H:%M} น."

