from __future__ import annotations

from datetime import date

import pytest

from ginbot.core.dates import english_date, english_date_short, relative_en, relative_th, tense

TODAY = date(2020, 7, 3)


@pytest.mark.parametrize(
    ("target", "words", "expected_tense"),
    [
        (date(2020, 7, 3), "วันนี้", "today"),
        (date(2020, 7, 4), "พรุ่งนี้", "future"),
        (date(2020, 7, 6), "อีก 3 วัน", "future"),
        (date(2020, 7, 15), "อีก 12 วัน", "future"),
        (date(2020, 7, 2), "เมื่อวาน", "past"),
        (date(2020, 6, 30), "3 วันที่แล้ว", "past"),
        (date(2020, 9, 10), "อีกประมาณ 2 เดือน", "future"),
        (date(2026, 11, 25), "อีกประมาณ 6 ปี", "future"),
        (date(2019, 7, 3), "ประมาณ 1 ปีที่แล้ว", "past"),
    ],
)
def test_distance_from_today(target: date, words: str, expected_tense: str) -> None:
    assert relative_th(TODAY, target) == words
    assert tense(TODAY, target) == expected_tense


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (date(2020, 7, 3), "today"),
        (date(2020, 7, 4), "tomorrow"),
        (date(2020, 7, 2), "yesterday"),
        (date(2020, 7, 7), "in 4 days"),
        (date(2020, 6, 30), "3 days ago"),
        (date(2020, 9, 15), "in about 2 months"),
        (date(2026, 11, 30), "in about 6 years"),
    ],
)
def test_distance_from_today_in_english(target: date, words: str) -> None:
    assert relative_en(date(2020, 7, 3), target) == words


def test_english_dates_are_common_era_with_the_weekday() -> None:
    assert english_date(date(2020, 7, 7)) == "Tuesday 7 July 2020"
    assert english_date(date(2020, 7, 1), weekday=False) == "1 July 2020"
    assert english_date_short(date(2020, 7, 15)) == "15 Jul 2020"
