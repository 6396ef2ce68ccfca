"""Thai dates in the forms notices use, checked against PyThaiNLP's own test vectors."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest

from ginbot.nlu.thaidate import thai_date, thai_date_short
from tests.nlu.conftest import FIXTURES

_VECTORS = json.loads((FIXTURES / "thai_date_vectors.json").read_text(encoding="utf-8"))


def _by_datetime() -> dict[str, dict[str, str]]:
    # {"2020-12-31": {"%A": "วันพฤหัสบดี", "%B": ..., "%b": ..., "%-d": ..., "%-Y": ...}}
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for case in _VECTORS["thai_strftime_cases"]:
        table[case["datetime_gregorian"][:10]][case["fmt"]] = case["expected"]
    return dict(table)


# Our three forms are compositions of the vector formats, so every vector date
# gives one expected string per form.
VECTOR_ROWS = [
    pytest.param(
        dt.date.fromisoformat(day),
        f"{parts['%A']}ที่ {parts['%-d']} {parts['%B']} {parts['%-Y']}",
        f"{parts['%-d']} {parts['%B']} {parts['%-Y']}",
        f"{parts['%-d']} {parts['%b']} {parts['%-Y']}",
        id=day,
    )
    for day, parts in sorted(_by_datetime().items())
]


@pytest.mark.parametrize(("day", "long", "no_weekday", "short"), VECTOR_ROWS)
def test_forms_match_pythainlp_vectors(day: dt.date, long: str, no_weekday: str, short: str) -> None:
    assert thai_date(day) == long
    assert thai_date(day, weekday=False) == no_weekday
    assert thai_date_short(day) == short


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (dt.date(2020, 7, 1), "วันพุธที่ 1 กรกฎาคม 2563", "1 ก.ค. 2563"),
        (dt.date(2020, 7, 14), "วันอังคารที่ 14 กรกฎาคม 2563", "14 ก.ค. 2563"),
        (dt.date(2024, 2, 29), "วันพฤหัสบดีที่ 29 กุมภาพันธ์ 2567", "29 ก.พ. 2567"),
        (dt.date(2021, 1, 3), "วันอาทิตย์ที่ 3 มกราคม 2564", "3 ม.ค. 2564"),
    ],
)
def test_examples(day: dt.date, long: str, short: str) -> None:
    assert thai_date(day) == long
    assert thai_date_short(day) == short


@pytest.mark.parametrize("month", _VECTORS["months"], ids=lambda m: str(m["n"]))
def test_every_month_name(month: dict[str, object]) -> None:
    day = dt.date(2020, int(str(month["n"])), 1)
    assert thai_date(day, weekday=False) == f"1 {month['full']} 2563"
    assert thai_date_short(day) == f"1 {month['abbr']} 2563"


def test_datetime_is_accepted_and_time_ignored() -> None:
    assert thai_date(dt.datetime(2020, 7, 1, 23, 59)) == "วันพุธที่ 1 กรกฎาคม 2563"
