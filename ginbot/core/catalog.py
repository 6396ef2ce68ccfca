"""An in-memory snapshot of the campaign (cohorts and agencies), loaded from the database.

Answers read it on every turn, so it lives in memory; `Bot.reload()` refreshes it after an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db import queries
from ginbot.nlu.agency_table import AgencyEntry


@dataclass(frozen=True)
class CohortInfo:
    number: int
    migration_date: date
    last_v8_date: date


# One agency record for the whole program: the NLU's entry type is exactly the catalog's row.
AgencyInfo = AgencyEntry


def short_label(agency: AgencyEntry) -> str:
    """A name that fits a 20-character button: the abbreviation first when the full name is long."""
    if len(agency.name_th) <= 20 or not agency.abbr_th:
        return agency.name_th
    return f"{agency.abbr_th} {agency.name_th}"


@dataclass(frozen=True)
class Catalog:
    cohorts: dict[int, CohortInfo]
    agencies: dict[str, AgencyInfo]

    def members(self, cohort: int) -> list[AgencyInfo]:
        return sorted((a for a in self.agencies.values() if a.cohort == cohort), key=lambda a: a.name_th)

    def cohort_of(self, agency: AgencyInfo) -> CohortInfo:
        return self.cohorts[agency.cohort]


async def load_catalog(session: AsyncSession) -> Catalog:
    cohorts = {c.number: CohortInfo(c.number, c.migration_date, c.last_v8_date) for c in await queries.cohorts(session)}
    agencies = {
        a.id: AgencyInfo(a.id, a.name_th, a.abbr_th, a.name_en, a.abbr_en, a.ministry_th, a.cohort, tuple(a.alias_list()))
        for a in await queries.agencies(session)
    }
    return Catalog(cohorts, agencies)
