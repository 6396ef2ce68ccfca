"""Readiness for staff: counts per cohort and agency, and the status over days. Pure; the admin page,
its CSV and `ginbot readiness [--cohort N] [--json]` all print this one report.

Who counts: subscribers (subscribed, not blocked, agency known), on any channel. Each is ready, problem,
not installed (their latest answer) or no answer. An agency "stands out" when nobody there is confirmed
ready — including agencies nobody from which has subscribed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db import queries
from ginbot.db import readiness as store
from ginbot.db.readiness import NOT_INSTALLED, PROBLEM, READY, HistoryEntry, SubscriberStatus

COLUMNS = ("subscribers", "ready", "problem", "not_installed", "no_answer")


@dataclass
class Counts:
    subscribers: int = 0
    ready: int = 0
    problem: int = 0
    not_installed: int = 0
    no_answer: int = 0

    def add(self, status: str | None) -> None:
        self.subscribers += 1
        if status == READY:
            self.ready += 1
        elif status == PROBLEM:
            self.problem += 1
        elif status == NOT_INSTALLED:
            self.not_installed += 1
        else:
            self.no_answer += 1

    def as_dict(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in COLUMNS}

    @property
    def nobody_ready(self) -> bool:
        return self.ready == 0


@dataclass
class AgencyReadiness:
    id: str
    name_th: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class CohortReadiness:
    cohort: int
    counts: Counts = field(default_factory=Counts)
    agencies: list[AgencyReadiness] = field(default_factory=list)

    @property
    def agencies_nobody_ready(self) -> int:
        return sum(1 for a in self.agencies if a.counts.nobody_ready)


@dataclass(frozen=True)
class AgencyRow:
    id: str
    name_th: str
    cohort: int


def build(
    statuses: Iterable[SubscriberStatus], agencies: Iterable[AgencyRow], cohorts: Iterable[int]
) -> list[CohortReadiness]:
    """Every cohort given, with every agency of it (nobody-ready first, then by Thai name)."""
    report = {n: CohortReadiness(n) for n in sorted(cohorts)}
    by_agency: dict[str, AgencyReadiness] = {}
    for agency in agencies:
        if agency.cohort in report:
            row = AgencyReadiness(agency.id, agency.name_th)
            by_agency[agency.id] = row
            report[agency.cohort].agencies.append(row)
    for s in statuses:
        if s.cohort in report and s.agency_id in by_agency:
            report[s.cohort].counts.add(s.status)
            by_agency[s.agency_id].counts.add(s.status)
    for cohort in report.values():
        cohort.agencies.sort(key=lambda a: (not a.counts.nobody_ready, a.name_th))
    return list(report.values())


def as_json(report: Sequence[CohortReadiness]) -> dict[str, object]:
    """The contract's shape: {"cohorts": [{"cohort": 1, <counts>, "agencies": [{"id", "name_th", <counts>}]}]}."""
    return {
        "cohorts": [
            {
                "cohort": c.cohort,
                **c.counts.as_dict(),
                "agencies": [{"id": a.id, "name_th": a.name_th, **a.counts.as_dict()} for a in c.agencies],
            }
            for c in report
        ]
    }


def _line(counts: Counts) -> str:
    return (
        f"subscribers {counts.subscribers}, ready {counts.ready}, problem {counts.problem}, "
        f"not installed {counts.not_installed}, no answer {counts.no_answer}"
    )


def as_text(report: Sequence[CohortReadiness]) -> str:
    """For the terminal: one line per cohort, then its agencies; "!" marks nobody confirmed ready."""
    lines: list[str] = []
    for c in report:
        lines.append(
            f"cohort {c.cohort}: {_line(c.counts)} "
            f"({c.agencies_nobody_ready} of {len(c.agencies)} agencies with nobody confirmed ready)"
        )
        for a in c.agencies:
            mark = "!" if a.counts.nobody_ready else " "
            lines.append(f"  {mark} {a.name_th} ({a.id}): {_line(a.counts)}")
    return "\n".join(lines)


# --- over days ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    day: date
    ready: int
    problem: int
    not_installed: int
    no_answer: int


def over_days(
    subscriber_ids: Iterable[int], history: Iterable[HistoryEntry], first: date, last: date, tz: ZoneInfo
) -> list[DayCounts]:
    """Each day from ``first`` to ``last`` (local dates): today's subscribers by the status they had at the
    end of that day. Answers of people no longer subscribed are ignored; the newest answer of a day wins."""
    members = set(subscriber_ids)
    entries = sorted((e for e in history if e.user_id in members), key=lambda e: e.at)
    status: dict[int, str] = {}
    out: list[DayCounts] = []
    i, day = 0, first
    while day <= last:
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        while i < len(entries) and entries[i].at < end:
            status[entries[i].user_id] = entries[i].status
            i += 1
        values = list(status.values())
        ready, problem, missing = values.count(READY), values.count(PROBLEM), values.count(NOT_INSTALLED)
        out.append(DayCounts(day, ready, problem, missing, len(members) - ready - problem - missing))
        day += timedelta(days=1)
    return out


async def load(session: AsyncSession, cohort: int | None = None) -> list[CohortReadiness]:
    """The report from the database: three queries, whatever the number of subscribers."""
    statuses = await store.subscriber_statuses(session, cohort)
    agencies = [AgencyRow(a.id, a.name_th, a.cohort) for a in await queries.agencies(session)]
    cohorts = [c.number for c in await queries.cohorts(session) if cohort is None or c.number == cohort]
    return build(statuses, agencies, cohorts)
