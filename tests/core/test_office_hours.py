"""Office hours as a table of moments: open or not, and when staff are next in (Bangkok time)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ginbot.core.office_hours import (
    BANGKOK,
    OfficeHours,
    OfficeHoursError,
    back_at,
    is_open,
    next_opening,
    parse_span,
)

# 2020-07-03 is a Friday; 2020-07-06 (Monday) is made a holiday below, 2020-07-07 a Tuesday.
HOURS = OfficeHours.from_text("08:30-16:30", [date(2020, 7, 6)])


def bkk(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("moment", "open_now", "opens_next"),
    [
        (bkk(2020, 7, 3, 8, 29), False, bkk(2020, 7, 3, 8, 30)),  # Friday, a minute early
        (bkk(2020, 7, 3, 8, 30), True, bkk(2020, 7, 3, 8, 30)),  # opening minute
        (bkk(2020, 7, 3, 12, 0), True, bkk(2020, 7, 3, 12, 0)),
        (bkk(2020, 7, 3, 16, 29), True, bkk(2020, 7, 3, 16, 29)),
        (bkk(2020, 7, 3, 16, 30), False, bkk(2020, 7, 7, 8, 30)),  # Friday close -> weekend, holiday Monday
        (bkk(2020, 7, 4, 10, 0), False, bkk(2020, 7, 7, 8, 30)),  # Saturday
        (bkk(2020, 7, 5, 23, 59), False, bkk(2020, 7, 7, 8, 30)),  # Sunday night
        (bkk(2020, 7, 6, 9, 0), False, bkk(2020, 7, 7, 8, 30)),  # the holiday itself
        (bkk(2020, 7, 7, 2, 0), False, bkk(2020, 7, 7, 8, 30)),  # Tuesday before dawn
        (bkk(2020, 7, 8, 20, 0), False, bkk(2020, 7, 9, 8, 30)),  # Wednesday evening -> Thursday
        # The same moment given in UTC: 01:30 UTC is 08:30 in Bangkok.
        (datetime.fromisoformat("2020-07-03T01:30:00+00:00"), True, bkk(2020, 7, 3, 8, 30)),
        (datetime.fromisoformat("2020-07-03T00:00:00+00:00"), False, bkk(2020, 7, 3, 8, 30)),
    ],
)
def test_open_and_next_opening(moment: datetime, open_now: bool, opens_next: datetime) -> None:
    assert is_open(HOURS, moment) is open_now
    assert next_opening(HOURS, moment) == opens_next


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (bkk(2020, 7, 3, 7, 0), "วันนี้ 08:30 น."),
        (bkk(2020, 7, 8, 20, 0), "พรุ่งนี้ (9 กรกฎาคม 2563) 08:30 น."),
        (bkk(2020, 7, 3, 17, 0), "วันอังคารที่ 7 กรกฎาคม 2563 08:30 น."),
    ],
)
def test_when_staff_are_back_in_thai_buddhist_era(moment: datetime, said: str) -> None:
    assert back_at(HOURS, moment) == said


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (bkk(2020, 7, 3, 7, 0), "today at 08:30"),
        (bkk(2020, 7, 8, 20, 0), "tomorrow at 08:30"),
        (bkk(2020, 7, 3, 17, 0), "on Tuesday 7 July 2020 at 08:30"),
    ],
)
def test_when_staff_are_back_in_english_common_era(moment: datetime, said: str) -> None:
    assert back_at(HOURS, moment, english=True) == said


@pytest.mark.parametrize("bad", ["8-16", "16:30-08:30", "25:00-26:00", "08:30"])
def test_malformed_spans_are_refused_with_the_reason(bad: str) -> None:
    with pytest.raises(OfficeHoursError):
        parse_span(bad)


def test_a_setting_with_bad_hours_names_the_variable() -> None:
    from ginbot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="GINBOT_OFFICE_HOURS"):
        load_settings({"GINBOT_OFFICE_HOURS": "17:00-09:00"})
    settings = load_settings({"GINBOT_OFFICE_HOURS": "09:00-15:00", "GINBOT_HOLIDAYS": "2020-07-06, 2020-07-28"})
    assert settings.staff_hours.opens.hour == 9
    assert date(2020, 7, 28) in settings.staff_hours.holidays
