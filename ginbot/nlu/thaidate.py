"""Dates written the way Thai government notices write them (Buddhist era)."""

from __future__ import annotations

import datetime as dt

from pythainlp.util import thai_strftime

# PyThaiNLP's thai_strftime already converts the year to BE (CE + 543) and uses
# the official month/weekday names; "%-d" and "%-Y" drop leading zeros as
# notices do.
_LONG_WITH_WEEKDAY = "%Aที่ %-d %B %-Y"
_LONG = "%-d %B %-Y"
_SHORT = "%-d %b %-Y"


def _as_datetime(d: dt.date) -> dt.datetime:
    # thai_strftime wants a datetime; a bare date means midnight.
    if isinstance(d, dt.datetime):
        return d
    return dt.datetime(d.year, d.month, d.day)


def thai_date(d: dt.date, weekday: bool = True) -> str:
    """``วันพุธที่ 1 กรกฎาคม 2563`` (or ``1 กรกฎาคม 2563`` without the weekday)."""
    return thai_strftime(_as_datetime(d), _LONG_WITH_WEEKDAY if weekday else _LONG)


def thai_date_short(d: dt.date) -> str:
    """``1 ก.ค. 2563``: for lists and buttons where space is tight."""
    return thai_strftime(_as_datetime(d), _SHORT)
