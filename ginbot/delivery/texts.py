"""Message texts: reminder rendering and the limits every outgoing text must respect. Pure."""

from __future__ import annotations

from datetime import date

from ginbot.core.dates import english_date, english_date_short
from ginbot.delivery.policy import ReminderRule, reminder_day
from ginbot.nlu.thaidate import thai_date, thai_date_short

# Telegram's limit is 4,096 characters; LINE's is 5,000 UTF-16 units. One text goes to both.
MAX_TEXT_CHARS = 4096
MAX_LINE_UTF16_UNITS = 5000


def text_problem(text: str) -> str | None:
    """Why a broadcast text cannot be sent as one message on every channel, or None."""
    if not text.strip():
        return "the message is empty"
    if len(text) > MAX_TEXT_CHARS:
        return f"the message has {len(text)} characters; Telegram accepts at most {MAX_TEXT_CHARS}"
    if len(text.encode("utf-16-le")) // 2 > MAX_LINE_UTF16_UNITS:
        return f"the message is longer than LINE's {MAX_LINE_UTF16_UNITS} UTF-16 units"
    return None


def render_reminder(
    rule: ReminderRule,
    *,
    agency_name: str,
    agency_abbr: str,
    cohort: int,
    last_v8_date: date,
    migration_date: date,
    english: bool = False,
) -> str:
    """The rule's text for one agency; ``english`` takes ``text_en`` with Common-Era dates (callers pass
    the English agency name then)."""
    day = reminder_day(rule, last_v8_date=last_v8_date, migration_date=migration_date)
    anchor = last_v8_date if rule.anchor == "last_v8_date" else migration_date
    english = english and rule.text_en is not None
    long_date, short_date = (english_date, english_date_short) if english else (thai_date, thai_date_short)
    return (rule.text_en if english and rule.text_en else rule.text).format(
        agency=agency_name,
        agency_abbr=agency_abbr,
        cohort=cohort,
        last_v8_date=long_date(last_v8_date, weekday=True),
        last_v8_date_short=short_date(last_v8_date),
        migration_date=long_date(migration_date, weekday=True),
        days_left=(anchor - day).days,
    )
