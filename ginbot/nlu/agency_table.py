"""The agency table as the NLU sees it: entries, match results, and the
name forms people type (derived from each official name).

Pure apart from ``load_agencies_csv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ginbot.nlu.text import normalise


@dataclass(frozen=True)
class AgencyEntry:
    id: str
    name_th: str
    abbr_th: str
    name_en: str
    abbr_en: str
    ministry_th: str
    cohort: int
    aliases: tuple[str, ...] = ()

    def surface_names(self) -> tuple[str, ...]:
        """Every name people may type for this agency (raw, not normalised)."""
        names = (self.name_th, self.abbr_th, self.name_en, self.abbr_en, *self.aliases)
        return tuple(n for n in names if n and n.strip())


@dataclass(frozen=True)
class AgencyCandidate:
    id: str
    name_th: str
    score: float
    # True for "did you mean" guesses below the acceptance cutoff: the caller
    # may offer them, but must not act on them.
    suggestion: bool = False


@dataclass(frozen=True)
class Mention:
    """Where an agency is named in the normalised text (1.0 = exact)."""

    start: int
    end: int
    entry: AgencyEntry
    score: float


@dataclass(frozen=True)
class AgencyResolution:
    mentions: tuple[Mention, ...]  # accepted mentions, for masking
    candidates: tuple[AgencyCandidate, ...]  # best first; several when ambiguous


def load_agencies_csv(path: Path) -> list[AgencyEntry]:
    """Read ``data/agencies.csv`` (id,name_th,abbr_th,name_en,abbr_en,ministry_th,cohort,aliases)."""
    entries: list[AgencyEntry] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                cohort = int(row["cohort"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}: line {line}: column cohort: not a number") from exc
            field = {
                k: (row.get(k) or "").strip() for k in ("id", "name_th", "abbr_th", "name_en", "abbr_en")
            }
            entries.append(
                AgencyEntry(
                    **field,
                    ministry_th=(row.get("ministry_th") or "").strip(),
                    cohort=cohort,
                    aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
                )
            )
    return entries


_PARENTHESISED = re.compile(r"\s*\([^)]*\)")
# English names are official forms nobody types in full: "The Revenue
# Department", "State Audit Office of the Kingdom of Thailand".
_ENGLISH_TRIMS = (re.compile(r"^the\s+"), re.compile(r"(?:,|\s+of)?\s+(?:the\s+kingdom\s+of\s+)?thailand$"))

# Thai agency names start with a kind of office; people often drop it
# ("สรรพากร", "ขนส่งฯ" for กรมการขนส่งทางบก). Longest first.
ORG_PREFIXES = ("กรมการ", "กรม", "สำนักงานคณะกรรมการ", "สำนักงาน", "สำนัก", "การ")


def name_cores(form: str) -> set[str]:
    """A Thai name with and without its organisational prefix(es)."""
    cores = {form.rstrip("ฯ")}
    for prefix in ORG_PREFIXES:
        if form.startswith(prefix) and len(form) > len(prefix) + 2:
            cores.add(form[len(prefix) :].rstrip("ฯ"))
    return cores


def surface_forms(raw: str) -> set[str]:
    """Normalised forms of one name: as written, without its dot, without a
    parenthesised suffix ("(องค์การมหาชน)"), and English without "The"."""
    norm = normalise(raw)
    forms = {norm, norm.rstrip("."), normalise(_PARENTHESISED.sub("", raw))}
    for form in list(forms):
        if form.isascii():
            for trim in _ENGLISH_TRIMS:
                form = trim.sub("", form)
            forms.add(form)
    return {f for f in forms if len(f) >= 2}
