"""Date wording for answers: Buddhist-era dates and the distance from today, as a Thai helpdesk says it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ginbot.nlu.thaidate import thai_date, thai_date_short

Tense = Literal["future", "today", "past"]

__all__ = [
    "Tense",
    "days_between",
    "english_date",
    "english_date_short",
    "relative_en",
    "relative_th",
    "tense",
    "thai_date",
    "thai_date_short",
]


def days_between(today: date, target: date) -> int:
    return (target - today).days


def tense(today: date, target: date) -> Tense:
    delta = days_between(today, target)
    return "today" if delta == 0 else "future" if delta > 0 else "past"


def _span(days: int) -> tuple[int, str]:
    """A distance in whole units. Beyond two months a day count stops meaning much to a reader; months
    and years read naturally (and then only approximately)."""
    if days >= 365:
        return round(days / 365.25), "year"
    if days >= 60:
        return round(days / 30.44), "month"
    return days, "day"


_NEAR_TH = {0: "วันนี้", 1: "พรุ่งนี้", -1: "เมื่อวาน"}
_NEAR_EN = {0: "today", 1: "tomorrow", -1: "yesterday"}
_UNITS_TH = {"year": "ปี", "month": "เดือน", "day": "วัน"}


def relative_th(today: date, target: date) -> str:
    """``อีก 3 วัน``, ``พรุ่งนี้``, ``วันนี้``, ``เมื่อวาน``, ``5 วันที่แล้ว``."""
    delta = days_between(today, target)
    if delta in _NEAR_TH:
        return _NEAR_TH[delta]
    n, unit = _span(abs(delta))
    span = f"{n} {_UNITS_TH[unit]}"
    approx = "ประมาณ " if unit != "day" else ""
    return f"อีก{' ' if not approx else ''}{approx}{span}" if delta > 0 else f"{approx}{span}ที่แล้ว"


# Spelled out rather than strftime's %B/%A, which follow the process locale (Thai on a Thai server).
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def english_date(d: date, weekday: bool = True) -> str:
    """``Wednesday 1 July 2020`` (or ``1 July 2020``): the Common Era, as English notices write it."""
    day = f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{_WEEKDAYS_EN[d.weekday()]} {day}" if weekday else day


def english_date_short(d: date) -> str:
    """``1 Jul 2020``: for lists and buttons where space is tight."""
    return f"{d.day} {_MONTHS_EN[d.month - 1][:3]} {d.year}"


def relative_en(today: date, target: date) -> str:
    """``in 3 days``, ``tomorrow``, ``today``, ``yesterday``, ``5 days ago``; months and years when far."""
    delta = days_between(today, target)
    if delta in _NEAR_EN:
        return _NEAR_EN[delta]
    n, unit = _span(abs(delta))
    span = f"{'about ' if unit != 'day' else ''}{n} {unit}{'s' if n != 1 else ''}"
    return f"in {span}" if delta > 0 else f"{span} ago"
