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
    if delta > 0:
        return f"อีก {delta} วัน"
    return f"{-delta} วันที่แล้ว"
