"""What the core needs from NLU, as plain frozen data, plus the adapter over ginbot.nlu.

The dialogue depends on this small Protocol, not on the classifier, so tests can script understanding
exactly and the NLU can change inside without touching conversation rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ginbot.nlu.agency_table import AgencyCandidate

if TYPE_CHECKING:  # the type only: importing the engine at run time would load the classifier's libraries
    from ginbot.nlu.engine import Nlu

# The NLU's match result is already plain frozen data (id, name_th, score, suggestion); the core uses it
# as is rather than keeping a copy of the same shape.
AgencyGuess = AgencyCandidate


@dataclass(frozen=True)
class TopicAnswer:
    """A knowledge topic (data/knowledge/*.yml, or created by staff) chosen to answer the message."""

    id: str
    title: str
    answer: str  # may hold answers.yml link placeholders such as {helpdesk_phone}
    links: tuple[tuple[str, str], ...] = ()  # (label, url)
    score: float = 0.0
    # The topic's ``en`` block, for people who write in English; empty when the topic has none.
    title_en: str = ""
    answer_en: str = ""


@dataclass(frozen=True)
class TopicSuggestion:
    """A topic worth offering as a button: tapping it sends ``question``, one of the topic's own phrasings."""

    title: str
    question: str


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
    # "th" or "en" as written, None when the text cannot tell ("v9", "ok", a sticker's alt text).
    language: str | None = None
    # The knowledge topic that answers this message instead of an intent's scripted answer, if any.
    topic: TopicAnswer | None = None
    # The topics retrieval ranked best (whatever the decision), for "did you mean" buttons.
    topic_suggestions: tuple[TopicSuggestion, ...] = ()

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
    """Adapts ginbot.nlu.engine.Nlu; the dialogue sees only ``Understanding``."""

    def __init__(self, nlu: Nlu) -> None:
        self.nlu = nlu

    def understand(self, text: str) -> Understood:
        result = self.nlu.parse(text)
        topics = self.nlu.topics
        chosen = getattr(result, "topic", None)
        topic = topics.get(chosen.id) if chosen is not None else None
        suggestions = tuple(
            TopicSuggestion(found.title, found.questions[0])
            for match in getattr(result, "topic_candidates", ())
            if (found := topics.get(match.id)) is not None and found.questions
        )
        return Understood(
            text=text,
            intent=result.intent,
            confidence=float(result.confidence),
            agency=result.agency,
            candidates=tuple(result.agency_candidates),
            cohort=result.cohort,
            platform=result.platform,
            mobile=result.mobile_unspecified,
            alternatives=tuple(intent for intent, _p in result.ranked),
            language=getattr(result, "language", None),
            topic=None
            if topic is None
            else TopicAnswer(
                topic.id, topic.title, topic.answer, tuple((link.label, link.url) for link in topic.links),
                float(getattr(chosen, "score", 0.0)),
                title_en=topic.en.title if topic.en else "",
                answer_en=topic.en.answer if topic.en else "",
            ),
            topic_suggestions=suggestions,
        )
