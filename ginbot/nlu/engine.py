"""``Nlu``: one call from a raw message to intent + entities (the `ginbot parse` shape).

Each message is normalised and segmented exactly once; the classifier and the
matchers share the result. Agency names are masked before classification so
the classifier learns "<agency> ย้ายวันไหน" once instead of once per agency,
and a held-out agency never looks like an unknown word.
"""

from __future__ import annotations

import csv
import logging
import random
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.agency_table import AgencyCandidate, AgencyEntry, AgencyResolution, Mention, load_agencies_csv
from ginbot.nlu.classifier import TOP_K, IntentClassifier, Prediction, Prepared, analyse
from ginbot.nlu.decision import DEFAULT_THRESHOLDS, KNOWLEDGE, TopicThresholds, decide
from ginbot.nlu.entities import Platform, match_cohort, match_platform, mentions_unnamed_mobile
from ginbot.nlu.intents import IntentExample, load_intents
from ginbot.nlu.language import Language, detect_language
from ginbot.nlu.retrieval import TopicIndex
from ginbot.nlu.text import normalise, tokens, warm_up
from ginbot.nlu.topics import KNOWLEDGE_DIR, TopicMatch, TopicSet, load_topics

_log = logging.getLogger(__name__)

# Only the start of a message is analysed: real questions are a line or two,
# and a pasted 10,000-character document must not cost 10,000 characters of
# segmentation and fuzzy matching on the webhook path.
MAX_ANALYSED_CHARS = 500
# Parses kept for texts seen again (Nlu.parse): a few thousand short texts, well under a megabyte.
RECENT_PARSES = 4096
# Stands in for any agency name in the text the classifier sees. Latin, so the
# Thai segmenter keeps it whole, and not a word anyone types.
AGENCY_PLACEHOLDER = "qagencyq"

# Out-of-domain negatives: a fixed-seed sample of TrueVoice call-centre
# transcripts (telecom questions that look like "cannot connect" or
# "subscribe/cancel" but are not about GIN Conference). 800 is about as many
# as all GIN intents together, enough to teach "phone-company talk is
# fallback" without drowning the in-scope classes or the 2 s training budget.
NEGATIVES_FILE = Path("external/truevoice-intent/mari_train.csv")  # under data/
NEGATIVE_SAMPLE_SIZE = 800
NEGATIVE_SAMPLE_SEED = 20200701


def load_negative_texts(
    path: Path, sample_size: int = NEGATIVE_SAMPLE_SIZE, seed: int = NEGATIVE_SAMPLE_SEED
) -> list[str]:
    """A deterministic sample of the ``texts`` column of a CSV (unique, non-trivial texts)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        column = next(rows).index("texts")  # csv.reader, not DictReader: 2x faster on 13k rows
        texts = sorted({text for row in rows if len(text := row[column].strip()) >= 3})
    if len(texts) <= sample_size:
        return texts
    return random.Random(seed).sample(texts, sample_size)


@dataclass(frozen=True)
class ParseResult:
    text: str
    intent: str
    # Probability of the best-ranked intent (even when `intent` fell back
    # because it was under the threshold).
    confidence: float
    agency: AgencyCandidate | None
    agency_candidates: tuple[AgencyCandidate, ...]
    cohort: int | None
    platform: Platform | None
    ranked: tuple[tuple[str, float], ...] = ()
    # "มือถือ" without saying which: the dialogue should ask Android or iPhone.
    mobile_unspecified: bool = False
    normalised: str = ""
    # "th", "en", or None when the text alone cannot tell (ginbot.nlu.language).
    language: Language | None = None
    # The knowledge topic that answers this message (the decision in decision.py), or None.
    topic: TopicMatch | None = None
    # The best few topics whatever the decision, best first: "did you mean" buttons on a fallback.
    topic_candidates: tuple[TopicMatch, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `ginbot parse` object (its fields are a promise to scripts: see the README), JSON-ready."""

        def candidate(c: AgencyCandidate) -> dict[str, Any]:
            return {"id": c.id, "name_th": c.name_th, "score": round(c.score, 3)}

        return {
            # Lone surrogates cannot be written as UTF-8; echo the rest as sent.
            "text": self.text.encode("utf-8", "replace").decode("utf-8"),
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "agency": candidate(self.agency) if self.agency else None,
            "agency_candidates": [candidate(c) for c in self.agency_candidates],
            "cohort": self.cohort,
            "platform": self.platform,
            "language": self.language,
            "topic": (
                {"id": self.topic.id, "title": self.topic.title, "score": round(self.topic.score, 3)}
                if self.topic
                else None
            ),
        }


@dataclass(frozen=True)
class Models:
    """What a retrain replaces, together: the topics, their index and the classifier trained with them."""

    topics: TopicSet
    index: TopicIndex
    classifier: IntentClassifier


class Nlu:
    """The NLU facade the dialogue calls. Build once at start-up; ``parse`` is pure."""

    def __init__(
        self,
        examples: Sequence[IntentExample],
        agencies: Iterable[AgencyEntry],
        negatives: Sequence[str] = (),
        topics: TopicSet | None = None,
        thresholds: TopicThresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.matcher = AgencyMatcher(agencies)
        warm_up(self.matcher.words)
        self.thresholds = thresholds
        self.examples: tuple[IntentExample, ...] = tuple(examples)
        self.negative_documents: tuple[Prepared, ...] = tuple(self.prepare(t) for t in negatives)
        self.training_documents: tuple[tuple[Prepared, str], ...] = tuple(
            (self.prepare(e.text), e.intent) for e in self.examples
        )
        # Topic phrasings by text: a reindex after staff add one phrasing segments only that one.
        self._phrasings: dict[str, Prepared] = {}
        self._recent: OrderedDict[str, tuple[Models, AgencyMatcher, ParseResult]] = OrderedDict()
        self.models = self._build(topics or TopicSet(()), self.training_documents)

    @property
    def classifier(self) -> IntentClassifier:
        return self.models.classifier

    @property
    def topics(self) -> TopicSet:
        return self.models.topics

    @property
    def index(self) -> TopicIndex:
        return self.models.index

    @classmethod
    def from_paths(
        cls,
        intents_dir: Path,
        agencies: Path | Sequence[AgencyEntry],
        negatives_path: Path | None = None,
        knowledge_dir: Path | None = None,
        *,
        topics: TopicSet | None = None,
        extra_examples: Sequence[IntentExample] = (),
    ) -> Nlu:
        """Build from ``intents/`` and the agency table (a CSV path or entries).

        ``negatives_path`` defaults to ``data/external/truevoice-intent/
        mari_train.csv`` in the ``data`` folder next to the intents folder;
        training goes on without it (with a warning) when it is absent.
        ``knowledge_dir`` (default: ``knowledge/`` in that same ``data`` folder)
        holds the topics; none when it is absent. ``topics`` (already loaded and
        merged with the database's) replaces reading that folder, and
        ``extra_examples`` (staff-taught) are trained on with the files in one fit.
        """
        intents_dir = Path(intents_dir)
        entries = load_agencies_csv(agencies) if isinstance(agencies, Path | str) else list(agencies)
        if negatives_path is None:
            negatives_path = intents_dir.resolve().parent / "data" / NEGATIVES_FILE
        if negatives_path.is_file():
            negatives = load_negative_texts(negatives_path)
        else:
            # Still a working model, but more telecom-style questions will be
            # mistaken for GIN ones; say so once rather than fail start-up.
            _log.warning("no out-of-domain negatives at %s: training without them", negatives_path)
            negatives = []
        if topics is None:
            if knowledge_dir is None:
                knowledge_dir = negatives_path.parent.parent.parent / KNOWLEDGE_DIR  # data/external/x/f.csv -> data/
            topics = load_topics(knowledge_dir)
        return cls([*load_intents(intents_dir), *extra_examples], entries, negatives, topics)

    def _build(self, topics: TopicSet, documents: Sequence[tuple[Prepared, str]]) -> Models:
        """Index the topics and train the classifier on the intents plus one KNOWLEDGE class of all phrasings.

        Only the Thai ``questions``: the ``en`` blocks wait for English answers (the bot answers in Thai), and
        trained on now they made every English small-talk message look like a knowledge question.
        """
        indexed: list[tuple[Prepared, str, str]] = []
        for topic in topics.topics:
            for phrasing in topic.questions:
                doc = self._phrasings.get(phrasing)
                if doc is None:
                    doc = self._phrasings[phrasing] = self.prepare(phrasing)
                indexed.append((doc, topic.id, topic.title))
        labelled = [*documents, *((doc, KNOWLEDGE) for doc, _id, _title in indexed)]
        return Models(topics, TopicIndex(indexed), IntentClassifier.train(labelled, self.negative_documents))

    def retrain(self, extra_examples: Iterable[IntentExample] = (), topics: TopicSet | None = None) -> None:
        """Add examples (e.g. from staff review) and/or replace the topics, and rebuild the models.

        Cheap: previously prepared documents are reused, only new texts are
        segmented. The swap is a single assignment, so a concurrent ``parse``
        sees either the old or the new models, never a mix.
        """
        extra = tuple(extra_examples)
        documents = self.training_documents + tuple((self.prepare(e.text), e.intent) for e in extra)
        built = self._build(self.topics if topics is None else topics, documents)
        # Only once training succeeded: a failed retrain leaves the old model whole.
        self.examples, self.training_documents, self.models = self.examples + extra, documents, built

    def prepare(self, text: str) -> Prepared:
        """Normalise, segment and mask agency names: what the classifier sees."""
        return self._analyse(text)[0]

    def _analyse(self, text: str) -> tuple[Prepared, AgencyResolution, str]:
        norm = normalise(text[:MAX_ANALYSED_CHARS])
        toks = tokens(norm, self.matcher.words)
        resolution = self.matcher.resolve(norm, toks)
        if not resolution.mentions:
            return Prepared(norm, tuple(toks)), resolution, norm
        masked = Prepared(
            _mask(norm, resolution.mentions), tuple(_mask_tokens(norm, toks, resolution.mentions))
        )
        return masked, resolution, norm

    def parse(self, text: str) -> ParseResult:
        """Intent and entities for one message. Never raises on odd input.

        A pure function of the text and the models, so the last few thousand answers are kept: people send
        the same words again and again (every quick-reply and menu tap, "ขอบคุณค่ะ", the common
        questions). An answer is reused only while the models and agency matcher it came from are current
        (a retrain or an agency import swaps them)."""
        models, matcher = self.models, self.matcher
        kept = self._recent.get(text)
        if kept is not None and kept[0] is models and kept[1] is matcher:
            self._recent.move_to_end(text)
            return kept[2]
        result = self._parse(text, models)
        if len(text) <= MAX_ANALYSED_CHARS:
            self._recent[text] = (models, matcher, result)
            if len(self._recent) > RECENT_PARSES:
                self._recent.popitem(last=False)
        return result

    def forget_recent(self) -> None:
        """Drop the kept answers (benchmarks that measure the work itself)."""
        self._recent.clear()

    def _parse(self, text: str, models: Models) -> ParseResult:
        doc, resolution, norm = self._analyse(text)
        candidates = resolution.candidates
        # One read of the models (by parse): a concurrent retrain swaps them, and a parse must not mix two.
        classifier, index = models.classifier, models.index
        grams = analyse(doc)  # once, for both models
        prediction = classifier.predict(doc, grams)
        # The topic model's answer is read only when the message may be a knowledge question (the decision's
        # bars, the suggestions' bar); most messages are not, and the search is a fifth of a parse.
        limits = self.thresholds
        wanted = _knowledge(prediction) >= min(SUGGEST_TOPICS_FROM, limits.over_generic, limits.over_scripted)
        matches = index.search(doc, grams=grams) if wanted else []
        decision = decide(prediction, matches, classifier.threshold, limits)
        platform = match_platform(norm, normalised=True)
        return ParseResult(
            text=text,
            intent=decision.intent,
            confidence=prediction.confidence,
            agency=_resolved(candidates),
            agency_candidates=tuple(candidates),
            cohort=match_cohort(norm, normalised=True),
            platform=platform,
            ranked=tuple(r for r in prediction.ranked if r[0] != KNOWLEDGE)[:TOP_K],
            mobile_unspecified=platform is None and mentions_unnamed_mobile(norm, normalised=True),
            normalised=norm,
            language=detect_language(text),
            topic=decision.topic,
            topic_candidates=tuple(matches) if _maybe_knowledge(prediction) else (),
        )


# Topics are offered as "did you mean" buttons only when the classifier gives the message at least this much
# chance of being a knowledge question: an out-of-scope message would otherwise get random topics.
SUGGEST_TOPICS_FROM = 0.1


def _knowledge(prediction: Prediction) -> float:
    return dict(prediction.ranked).get(KNOWLEDGE, 0.0)


def _maybe_knowledge(prediction: Prediction) -> bool:
    return _knowledge(prediction) >= SUGGEST_TOPICS_FROM


def _resolved(candidates: Sequence[AgencyCandidate]) -> AgencyCandidate | None:
    # Act on an agency only when there is exactly one confident candidate;
    # otherwise the dialogue shows the candidates and asks.
    if len(candidates) == 1 and not candidates[0].suggestion:
        return candidates[0]
    return None


def _mask(norm: str, mentions: Sequence[Mention]) -> str:
    pieces: list[str] = []
    position = 0
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.start < position:
            continue
        pieces.extend((norm[position : mention.start], f" {AGENCY_PLACEHOLDER} "))
        position = mention.end
    pieces.append(norm[position:])
    return " ".join("".join(pieces).split())


def _mask_tokens(norm: str, toks: Sequence[str], mentions: Sequence[Mention]) -> list[str]:
    """Tokens with every token touching an agency span replaced by one placeholder."""
    result: list[str] = []
    position = 0
    covered = sorted((m.start, m.end) for m in mentions)
    for tok in toks:
        start = norm.find(tok, position)
        if start < 0:
            result.append(tok)
            continue
        end = start + len(tok)
        position = end
        hit = next((s for s, e in covered if start < e and s < end), None)
        if hit is None:
            result.append(tok)
        elif not result or result[-1] != AGENCY_PLACEHOLDER:
            result.append(AGENCY_PLACEHOLDER)
    return result
