"""Pure reminder policy: due times at 09:00 Bangkok for each cohort, the grace window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ginbot.delivery.policy import Due, PolicyError, decide, due_at, load_policy, parse_policy
from ginbot.delivery.texts import render_reminder, text_problem
from tests.conftest import ROOT

POLICY = load_policy(ROOT / "data" / "reminders.yml")
RULES = {r.id: r for r in POLICY.rules}
# data/cohorts.csv: (last v8 day, migration day)
COHORTS = {
    1: (date(2020, 6, 30), date(2020, 7, 1)),
    2: (date(2020, 7, 6), date(2020, 7, 7)),
    3: (date(2020, 7, 14), date(2020, 7, 15)),
}


def bkk(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    # Asia/Bangkok is UTC+7 all year (no daylight saving): 09:00 there is 02:00 UTC.
    return datetime(y, m, d, h - 7, mi, tzinfo=UTC)


def test_default_policy_has_the_agreed_reminders() -> None:
    assert [(r.anchor, r.days_before) for r in POLICY.rules] == [
        ("last_v8_date", 7),
        ("last_v8_date", 3),
        ("last_v8_date", 1),
        ("last_v8_date", 0),
        ("migration_date", 0),
    ]
    assert POLICY.timezone == "Asia/Bangkok"
    assert all("ยกเลิกการแจ้งเตือน" in r.text for r in POLICY.rules)


@pytest.mark.parametrize(
    ("cohort", "rule", "expected"),
    [
        (1, "last-v8-7d", bkk(2020, 6, 23)),
        (1, "last-v8-3d", bkk(2020, 6, 27)),
        (1, "last-v8-1d", bkk(2020, 6, 29)),
        (1, "last-v8-day", bkk(2020, 6, 30)),
        (1, "migration-day", bkk(2020, 7, 1)),
        (2, "last-v8-7d", bkk(2020, 6, 29)),
        (2, "last-v8-3d", bkk(2020, 7, 3)),
        (2, "last-v8-1d", bkk(2020, 7, 5)),
        (2, "last-v8-day", bkk(2020, 7, 6)),
        (2, "migration-day", bkk(2020, 7, 7)),
        (3, "last-v8-7d", bkk(2020, 7, 7)),
        (3, "last-v8-3d", bkk(2020, 7, 11)),
        (3, "last-v8-1d", bkk(2020, 7, 13)),
        (3, "last-v8-day", bkk(2020, 7, 14)),
        (3, "migration-day", bkk(2020, 7, 15)),
    ],
)
def test_due_at_nine_bangkok(cohort: int, rule: str, expected: datetime) -> None:
    last_v8, migration = COHORTS[cohort]
    due = due_at(POLICY, RULES[rule], last_v8_date=last_v8, migration_date=migration)
    assert due == expected
    assert due.astimezone(UTC).hour == 2


GRACE_S = 6 * 3600
DUE = bkk(2020, 7, 3)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE - timedelta(seconds=1), Due.NOT_YET),
        (bkk(2020, 7, 2, 23, 59), Due.NOT_YET),
        (DUE, Due.SEND),
        (DUE + timedelta(minutes=1), Due.SEND),
        (bkk(2020, 7, 3, 15), Due.SEND),  # exactly 6 h late: still useful
        (bkk(2020, 7, 3, 15) + timedelta(seconds=1), Due.SKIP),
        (bkk(2020, 7, 4), Due.SKIP),
    ],
)
def test_grace_window(now: datetime, expected: Due) -> None:
    assert decide(DUE, now, GRACE_S) is expected


def test_reminder_text_uses_buddhist_era_dates() -> None:
    last_v8, migration = COHORTS[2]
    text = render_reminder(
        RULES["last-v8-3d"],
        agency_name="กรมสรรพากร",
        agency_abbr="สรพ.",
        cohort=2,
        last_v8_date=last_v8,
        migration_date=migration,
    )
    assert text.startswith(
        "เรียน ผู้ใช้งาน GIN Conference ของกรมสรรพากร: ระบบ v8 จะใช้งานได้ถึงวันจันทร์ที่ 6 กรกฎาคม 2563 (อีก 3 วัน)"
    )
    assert "AcuConference 9" in text and 'พิมพ์ "ยกเลิกการแจ้งเตือน"' in text
    assert text_problem(text) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reminders": [{"id": "a", "anchor": "tomorrow", "days_before": 1, "text": "x"}]}, "anchor"),
        (
            {"reminders": [{"id": "a", "anchor": "last_v8_date", "days_before": -1, "text": "x"}]},
            "days_before",
        ),
        ({"reminders": [{"id": "a", "anchor": "last_v8_date", "text": "{agencyy}"}]}, "agencyy"),
        ({"reminders": [{"anchor": "last_v8_date", "text": "x"}]}, "unique id"),
        ({"send_time": "9 โมง", "reminders": []}, "send_time"),
        ({"timezone": "Mars/Base", "reminders": []}, "timezone"),
    ],
)
def test_policy_errors_name_the_problem(data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(data)


def test_policy_file_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        'send_time: "08:30"\nreminders:\n  - {id: x, anchor: migration_date, text: "hi {agency}"}\n'
    )
    policy = load_policy(path)
    assert due_at(
        policy, policy.rules[0], last_v8_date=date(2020, 7, 6), migration_date=date(2020, 7, 7)
    ) == bkk(2020, 7, 7, 8, 30)


def test_every_default_reminder_has_english_with_english_dates() -> None:
    for rule in POLICY.rules:
        assert rule.text_en, rule.id
        last_v8, migration = COHORTS[1]
        text = render_reminder(
            rule, agency_name="The Revenue Department", agency_abbr="RD", cohort=1,
            last_v8_date=last_v8, migration_date=migration, english=True,
        )  # fmt: skip
        assert "Tuesday 30 June 2020" in text or "Wednesday 1 July 2020" in text, rule.id
        assert "stop reminders" in text and not any("\u0e01" <= ch <= "\u0e4e" for ch in text), rule.id


def test_a_typo_in_the_english_text_is_named() -> None:
    raw = {"reminders": [{"id": "r1", "anchor": "last_v8_date", "text": "{agency}", "text_en": "{agnecy}"}]}
    with pytest.raises(PolicyError, match=r"unknown placeholder\(s\) \['agnecy'\] in text_en"):
        parse_policy(raw)
