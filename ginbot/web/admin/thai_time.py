"""Scheduled-send times as Thai staff write them: Buddhist-era dates, Thai month names, Thai digits.

``parse_thai_datetime`` accepts "6 ก.ค. 2563 09:00", "6 กรกฎาคม 2563 9.30 น.", "6/7/2563 09:00" and, for
scripts and older forms, ISO "2020-07-06T09:00". A year above 2400 is Buddhist era (CE + 543). ``show``
writes a time back the first way. Pure; the caller adds the time zone.
"""

from __future__ import annotations

import re
from datetime import datetime

BE_OFFSET = 543
# Years above this are Buddhist era: no one schedules a broadcast for 2400 CE.
BE_FROM = 2400
MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTH_BY_NAME = {name: n for n, name in enumerate(MONTHS_FULL, 1)} | {
    short.replace(".", ""): n for n, short in enumerate(MONTHS_SHORT, 1)
}
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:\s*น\.?)?"
_NAMED = re.compile(rf"^(?P<d>\d{{1,2}})\s*(?P<month>[ก-๙.]+)\s*(?P<y>\d{{4}})\s+(?:เวลา\s*)?{_TIME}$")
_SLASHED = re.compile(rf"^(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})/(?P<y>\d{{4}})\s+(?:เวลา\s*)?{_TIME}$")


def parse_thai_datetime(value: str) -> datetime | None:
    """A naive local datetime, or None when ``value`` is not a date with a time."""
    text = " ".join(value.translate(_THAI_DIGITS).split())
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    named, slashed = _NAMED.match(text), _SLASHED.match(text)
    if named:
        month = _MONTH_BY_NAME.get(named["month"].replace(".", ""))
        found = named
    elif slashed:
        month = int(slashed["m"])
        found = slashed
    else:
        return None
    year = int(found["y"])
    if year > BE_FROM:
        year -= BE_OFFSET
    try:
        return datetime(year, month or 0, int(found["d"]), int(found["h"]), int(found["mi"]))
    except ValueError:  # 31 ก.พ., 25:00, an unknown month name
        return None


def show(moment: datetime) -> str:
    """``6 ก.ค. 2563 09:00``: what the field shows, and what parse_thai_datetime reads back."""
    return f"{moment.day} {MONTHS_SHORT[moment.month - 1]} {moment.year + BE_OFFSET} {moment:%H:%M}"
