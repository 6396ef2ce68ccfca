"""Date wording for answers: Buddhist-era dates and the distance from today, as a Thai helpdesk says it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ginbot.nlu.thaidate import thai_date, thai_date_short

Tense = Literal["future", "today", "past"]

__all__ = ["Tense", "days_between", "relative_th", "tense", "thai_date", "thai_date_short"]


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
