from __future__ import annotations

from datetime import date

import pytest

from ginbot.core.dates import relative_th, tense

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
