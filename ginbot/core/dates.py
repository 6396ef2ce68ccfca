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


def relative_th(today: date, target: date) -> str:
    """``อีก 3 วัน``, ``พรุ่งนี้``, ``วันนี้``, ``เมื่อวาน``, ``5 วันที่แล้ว``."""
    delta = days_between(today, target)
    if delta == 0:
        return "วันนี้"
    if delta == 1:
        return "พรุ่งนี้"
    if delta == -1:
        return "เมื่อวาน"
    days = abs(delta)
    # Beyond two months a day count stops meaning much to a reader; months and years read naturally.
    if days >= 365:
        span = f"{round(days / 365.25)} ปี"
    elif days >= 60:
        span = f"{round(days / 30.44)} เดือน"
    else:
        span = f"{days} วัน"
    approx = "ประมาณ " if days >= 60 else ""
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
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    days = abs(delta)
    if days >= 365:
        n, unit = round(days / 365.25), "year"
    elif days >= 60:
        n, unit = round(days / 30.44), "month"
    else:
        n, unit = days, "day"
    span = f"{'about ' if days >= 60 else ''}{n} {unit}{'s' if n != 1 else ''}"
    return f"in {span}" if delta > 0 else f"{span} ago"
