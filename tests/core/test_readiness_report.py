"""The readiness report, pure: counts per cohort and agency, nobody-ready first, and the days chart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ginbot.core.readiness_report import AgencyRow, DayCounts, as_json, build, over_days
from ginbot.db.readiness import HistoryEntry, SubscriberStatus

BANGKOK = ZoneInfo("Asia/Bangkok")
AGENCIES = [AgencyRow("tmd", "กรมอุตุนิยมวิทยา", 1), AgencyRow("dga", "สพร.", 1), AgencyRow("rd", "กรมสรรพากร", 2)]


def test_counts_per_cohort_and_agency() -> None:
    statuses = [
        SubscriberStatus(1, "tmd", 1, "ready"),
        SubscriberStatus(2, "tmd", 1, None),
        SubscriberStatus(3, "dga", 1, "problem"),
        SubscriberStatus(4, "rd", 2, "not_installed"),
    ]
    report = build(statuses, AGENCIES, [1, 2, 3])
    data = as_json(report)
    assert [c["cohort"] for c in data["cohorts"]] == [1, 2, 3]  # type: ignore[index]
    one = data["cohorts"][0]  # type: ignore[index]
    assert (one["subscribers"], one["ready"], one["problem"], one["no_answer"]) == (3, 1, 1, 1)
    # dga has nobody confirmed ready: it comes first.
    assert [a["id"] for a in one["agencies"]] == ["dga", "tmd"]
    assert report[0].agencies_nobody_ready == 1
    assert report[2].counts.subscribers == 0 and report[2].agencies == []


def _at(m: int, d: int, h: int) -> datetime:
    return datetime(2020, m, d, h, tzinfo=BANGKOK).astimezone(UTC)


def test_over_days_counts_the_status_at_the_end_of_each_local_day() -> None:
    history = [
        HistoryEntry(1, "not_installed", _at(7, 1, 10)),
        HistoryEntry(1, "ready", _at(7, 2, 23)),  # 23:00 Bangkok is 16:00 UTC: still 2 July here
        HistoryEntry(2, "problem", _at(7, 2, 9)),
        HistoryEntry(9, "ready", _at(7, 1, 9)),  # no longer a subscriber: ignored
    ]
    days = over_days([1, 2, 3], history, date(2020, 6, 30), date(2020, 7, 3), BANGKOK)
    assert days == [
        DayCounts(date(2020, 6, 30), 0, 0, 0, 3),
        DayCounts(date(2020, 7, 1), 0, 0, 1, 2),
        DayCounts(date(2020, 7, 2), 1, 1, 0, 1),
        DayCounts(date(2020, 7, 3), 1, 1, 0, 1),
    ]
