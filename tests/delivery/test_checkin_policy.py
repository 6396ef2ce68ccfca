"""Pure check-in policy (data/checkins.yml) and reminder kinds: tables of Bangkok datetimes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ginbot.delivery.policy import (
    PolicyError,
    campaign_open,
    checkin_due,
    load_checkin_policy,
    load_policy,
    parse_checkin_policy,
    parse_policy,
    spaced_before,
)
from tests.conftest import ROOT

BANGKOK = ZoneInfo("Asia/Bangkok")
POLICY = load_checkin_policy(ROOT / "data" / "checkins.yml")
ROUNDS = {r.id: r for r in POLICY.rounds}


def bkk(m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(2020, m, d, h, mi, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("migration", "round_id", "expected"),
    [
        (date(2020, 7, 1), "day0", bkk(7, 1, 9)),  # cohort 1
        (date(2020, 7, 1), "day3", bkk(7, 4, 9)),
        (date(2020, 7, 7), "day0", bkk(7, 7, 9)),  # cohort 2
        (date(2020, 7, 15), "day3", bkk(7, 18, 9)),  # cohort 3
    ],
)
def test_rounds_are_due_at_nine_bangkok(migration: date, round_id: str, expected: datetime) -> None:
    assert checkin_due(POLICY, ROUNDS[round_id], migration) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (bkk(7, 1, 8, 59), False),  # before the first check-in
        (bkk(7, 1, 9, 0), True),
        (bkk(7, 31, 23, 59), True),  # the 30th day after migration, all day
        (bkk(8, 1, 0, 0), False),
    ],
)
def test_campaign_open_for_cohort_1(now: datetime, expected: bool) -> None:
    assert campaign_open(POLICY, date(2020, 7, 1), now) is expected


@pytest.mark.parametrize(
    ("now", "days", "expected"),
    [
        # At or after 09:00 on the 4th, anything from the 1st (any hour) is three days old.
        (bkk(7, 4, 9, 0), 3, bkk(7, 2, 0, 0)),
        (bkk(7, 4, 23, 0), 3, bkk(7, 2, 0, 0)),
        # Before 09:00 on the 4th, the latest 09:00 was the 3rd's: only the 30th June counts.
        (bkk(7, 4, 8, 59), 3, bkk(7, 1, 0, 0)),
        (bkk(7, 3, 9, 0), 2, bkk(7, 2, 0, 0)),
        (bkk(7, 3, 9, 0), 1, bkk(7, 3, 0, 0)),
    ],
)
def test_spaced_before(now: datetime, days: int, expected: datetime) -> None:
    assert spaced_before(POLICY, now, days) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "at least one round"),
        ({"rounds": [{"id": "a", "days_after_migration": 3}, {"id": "b", "days_after_migration": 1}]}, "growing"),
        ({"rounds": [{"id": "a", "days_after_migration": 0}, {"id": "a", "days_after_migration": 2}]}, "unique id"),
        ({"rounds": [{"id": "a", "days_after_migration": 0}], "campaign_days": 0}, "campaign_days"),
        ({"rounds": [{"id": "a", "days_after_migration": 0}], "send_time": "9am"}, "send_time"),
        ({"rounds": [{"id": "a", "days_after_migration": 5}], "campaign_days": 5}, "later than the last round"),
    ],
)
def test_checkin_policy_errors_name_the_problem(data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_checkin_policy(data)


def test_reminder_kinds() -> None:
    kinds = {r.id: r.kind for r in load_policy(ROOT / "data" / "reminders.yml").rules}
    assert kinds == {
        "last-v8-7d": "install",
        "last-v8-3d": "install",
        "last-v8-1d": "install",
        "last-v8-day": "notice",  # the cutoff notice reaches the ready too
        "migration-day": "install",
    }
    rule = {"id": "x", "anchor": "last_v8_date", "days_before": 1, "text": "t"}
    assert parse_policy({"reminders": [rule]}).rules[0].kind == "notice"  # wave-1 files keep working
    with pytest.raises(PolicyError, match="kind must be one of"):
        parse_policy({"reminders": [{**rule, "kind": "urgent"}]})


def test_a_yaml_typo_is_a_policy_error_naming_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "checkins.yml"
    broken.write_text('send_time: "09:00"\nrounds: [oops\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"checkins.yml: line \d+ not valid YAML"):
        load_checkin_policy(broken)
    reminders = tmp_path / "reminders.yml"
    reminders.write_text("reminders:\n  - id: x\n   anchor: bad indent\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"reminders\.yml: line"):
        load_policy(reminders)


def test_a_setting_written_twice_is_a_policy_error_naming_its_line(tmp_path: Path) -> None:
    # With plain safe_load the second send_time would silently win: staff would not learn of the paste.
    twice = tmp_path / "checkins.yml"
    twice.write_text('send_time: "09:00"\ntimezone: Asia/Bangkok\nsend_time: "10:00"\nrounds: []\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"checkins\.yml: line 3: 'send_time' appears twice"):
        load_checkin_policy(twice)
