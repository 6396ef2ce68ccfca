"""The agencies page's search box: forgiving as the bot is ("กรมสรรพกร", "สรรพ", "revenue").

Plain containment finds what staff type exactly (an id, part of a name, a ministry); the NLU's own agency
matcher (ginbot.nlu.agencies.AgencyMatcher, the one that reads officials' messages) adds what it would
recognise or suggest despite typos. Pure given the agency list; the matcher is built once per list.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.agency_table import AgencyEntry


@lru_cache(maxsize=4)  # one list at a time in practice; a CSV import makes a new one
def _matcher(entries: tuple[AgencyEntry, ...]) -> AgencyMatcher:
    return AgencyMatcher(entries)


def _contains(entry: AgencyEntry, q: str) -> bool:
    fields = (entry.id, entry.ministry_th, *entry.surface_names())
    return any(q in f.casefold() for f in fields if f)


def search(entries: Sequence[AgencyEntry], q: str) -> list[str]:
    """Ids of the agencies ``q`` means, exact containment first, then the matcher's finds, best first."""
    q = q.strip()
    if not q:
        return [e.id for e in entries]
    folded = q.casefold()
    found = [e.id for e in entries if _contains(e, folded)]
    seen = set(found)
    for candidate in _matcher(tuple(entries)).match(q):
        if candidate.id not in seen:
            found.append(candidate.id)
            seen.add(candidate.id)
    return found
