"""What the core needs from NLU, as plain frozen data, plus the adapter over ginbot.nlu.

The dialogue depends on this small Protocol, not on the classifier, so tests can script understanding
exactly and the NLU can change inside without touching conversation rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class AgencyGuess:
    id: str
    name_th: str
    score: float
    # A "did you mean" hint for a name that matched nothing well: offer it, never act on it.
    suggestion: bool = False


@dataclass(frozen=True)
class Understood:
    text: str
    intent: str
    confidence: float
    agency: AgencyGuess | None = None
    candidates: tuple[AgencyGuess, ...] = ()
    cohort: int | None = None
    platform: str | None = None
    # "มือถือ" without saying which kind: ask Android or iPhone rather than every platform.
    mobile: bool = False
    # Next-best intents, best first, for "did you mean" buttons on a fallback.
    alternatives: tuple[str, ...] = field(default_factory=tuple)

    def entities(self) -> dict[str, Any]:
        return {
            "agency": self.agency.id if self.agency else None,
            "agency_candidates": [c.id for c in self.candidates],
            "cohort": self.cohort,
            "platform": self.platform,
        }


class Understanding(Protocol):
    def understand(self, text: str) -> Understood: ...


class NluUnderstanding:
    """Adapts ginbot.nlu.engine.Nlu (duck-typed, so the core never imports the classifier)."""

    def __init__(self, nlu: Any) -> None:
        self.nlu = nlu

    def understand(self, text: str) -> Understood:
        result = self.nlu.parse(text)

        def guess(c: Any) -> AgencyGuess:
            return AgencyGuess(c.id, c.name_th, float(c.score), bool(getattr(c, "suggestion", False)))

        return Understood(
            text=text,
            intent=result.intent,
            confidence=float(result.confidence),
            agency=guess(result.agency) if result.agency else None,
            candidates=tuple(guess(c) for c in result.agency_candidates),
            cohort=result.cohort,
            platform=result.platform,
            mobile=bool(getattr(result, "mobile_unspecified", False)),
            alternatives=tuple(intent for intent, _p in result.ranked),
        )


def from_parse_json(data: dict[str, Any], alternatives: tuple[str, ...] = ()) -> Understood:
    """Build from the contract's `ginbot parse` JSON shape."""

    def guess(d: dict[str, Any]) -> AgencyGuess:
        return AgencyGuess(str(d["id"]), str(d["name_th"]), float(d.get("score", 0.0)))

    return Understood(
        text=str(data.get("text", "")),
        intent=str(data["intent"]),
        confidence=float(data.get("confidence", 0.0)),
        agency=guess(data["agency"]) if data.get("agency") else None,
        candidates=tuple(guess(c) for c in data.get("agency_candidates") or ()),
        cohort=data.get("cohort"),
        platform=data.get("platform"),
        alternatives=alternatives,
    )
