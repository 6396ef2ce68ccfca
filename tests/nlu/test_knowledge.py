"""Knowledge topics in the NLU: the parse contract's `topic`, the decision against intents, retraining."""

from __future__ import annotations

import pytest

from ginbot.nlu.agency_table import AgencyEntry
from ginbot.nlu.classifier import Prediction
from ginbot.nlu.decision import KNOWLEDGE, TopicThresholds, decide
from ginbot.nlu.engine import Nlu
from ginbot.nlu.topics import Topic, TopicMatch, merge
from tests.nlu.conftest import FIXTURE_INTENTS, FIXTURES

KNOWLEDGE_DIR = FIXTURES / "data" / "knowledge"


@pytest.fixture(scope="module")
def knowing(agencies: list[AgencyEntry]) -> Nlu:
    return Nlu.from_paths(FIXTURE_INTENTS, agencies, knowledge_dir=KNOWLEDGE_DIR)


def test_a_paraphrase_finds_its_topic_and_parse_reports_it(knowing: Nlu) -> None:
    result = knowing.parse("อยากแชร์หน้าจอให้คนในห้องดู ทำยังไงคะ")
    assert result.topic is not None and result.topic.id == "share_screen"
    data = result.to_json()
    assert data["topic"]["id"] == "share_screen" and data["topic"]["title"] == "แชร์หน้าจอ"
    assert 0.0 < data["topic"]["score"] <= 1.0
    assert data["intent"] in ("fallback", "install_v9", "migration_date", "greet", "thanks", "set_agency")


def test_scripted_intents_and_small_talk_keep_their_answers(knowing: Nlu) -> None:
    for text, intent in (("กรมสรรพากรย้ายวันไหน", "migration_date"), ("ติดตั้ง v9 ยังไงครับ", "install_v9"),
                         ("สวัสดีครับ", "greet")):  # fmt: skip
        result = knowing.parse(text)
        assert (result.intent, result.topic) == (intent, None), text
        assert result.to_json()["topic"] is None


def test_a_topic_added_by_retraining_is_answered_at_once(knowing: Nlu, agencies: list[AgencyEntry]) -> None:
    nlu = Nlu.from_paths(FIXTURE_INTENTS, agencies, knowledge_dir=KNOWLEDGE_DIR)
    parking = Topic(id="parking", title="ที่จอดรถ", questions=(), answer="จอดที่อาคาร B ค่ะ", source="database")
    question = "รถมาประชุมจอดตรงไหน"
    before = nlu.parse("จอดรถมาประชุมได้ที่ไหนคะ").topic
    assert before is None or before.id != "parking"
    nlu.retrain(topics=merge(nlu.topics, [parking], [("parking", question), ("parking", "ที่จอดรถอยู่ไหน")]))
    found = nlu.parse("จอดรถมาประชุมได้ที่ไหนคะ").topic
    assert found is not None and found.id == "parking"
    # The other topics still work after the swap.
    shared = nlu.parse("แชร์หน้าจอตรงไหนคะ").topic
    assert shared is not None and shared.id == "share_screen"


def _prediction(*ranked: tuple[str, float], threshold: float = 0.4) -> Prediction:
    best, confidence = ranked[0]
    return Prediction(best if confidence >= threshold else "fallback", confidence, tuple(ranked))


SHARE = [TopicMatch("share_screen", "แชร์หน้าจอ", 0.9)]
LIMITS = TopicThresholds(topic=0.3, over_generic=0.5, over_scripted=0.8)


@pytest.mark.parametrize(
    ("ranked", "matches", "expected"),
    [
        # A knowledge question with a matching topic: the topic, and no intent claims it.
        (((KNOWLEDGE, 0.9), ("cannot_join", 0.05)), SHARE, ("fallback", "share_screen")),
        # cannot_join's checklist yields to a specific topic once knowledge is likely enough...
        ((("cannot_join", 0.45), (KNOWLEDGE, 0.5)), SHARE, ("cannot_join", "share_screen")),
        # ... but not to a weak one.
        ((("cannot_join", 0.8), (KNOWLEDGE, 0.15)), SHARE, ("cannot_join", None)),
        # A confident scripted intent keeps the turn unless knowledge is much likelier.
        ((("install_v9", 0.6), (KNOWLEDGE, 0.4)), SHARE, ("install_v9", None)),
        (((KNOWLEDGE, 0.85), ("install_v9", 0.1)), SHARE, ("fallback", "share_screen")),
        # A knowledge question no topic fits is a fallback (for staff to review), never KNOWLEDGE.
        (((KNOWLEDGE, 0.9),), [TopicMatch("share_screen", "แชร์หน้าจอ", 0.1)], ("fallback", None)),
        (((KNOWLEDGE, 0.9),), [], ("fallback", None)),
        # ... unless it reads like a problem: then the generic checklist beats "I don't know".
        (((KNOWLEDGE, 0.7), ("cannot_join", 0.2)), [], ("cannot_join", None)),
    ],
)
def test_the_decision(
    ranked: tuple[tuple[str, float], ...], matches: list[TopicMatch], expected: tuple[str, str | None]
) -> None:
    decision = decide(_prediction(*ranked), matches, 0.4, LIMITS)
    assert (decision.intent, decision.topic.id if decision.topic else None) == expected


def test_sharing_the_ngrams_between_the_two_models_changes_nothing(knowing: Nlu) -> None:
    from ginbot.nlu.classifier import analyse

    for text in ("แชร์หน้าจอตรงไหนคะ", "กรมสรรพากรย้ายวันไหน", "ฝนตกไหม"):
        doc = knowing.prepare(text)
        assert knowing.classifier.predict(doc, analyse(doc)) == knowing.classifier.predict(doc)
        assert knowing.index.search(doc, grams=analyse(doc)) == knowing.index.search(doc)


def test_a_parse_that_skips_the_topic_search_answers_as_one_that_searched(knowing: Nlu) -> None:
    """The topic model runs only when the classifier leaves room for a knowledge question; otherwise neither
    the decision nor the "did you mean" buttons would have used it."""
    from ginbot.nlu.classifier import analyse
    from ginbot.nlu.engine import SUGGEST_TOPICS_FROM

    texts = ("แชร์หน้าจอตรงไหนคะ", "กรมสรรพากรย้ายวันไหน", "ฝนตกไหม", "สวัสดีครับ", "ไมค์ไม่ติดค่ะ", "เติมเงินไม่เข้า",
             "ติดตั้ง v9 ยังไงครับ", "ขอบคุณค่ะ", "อยากอัดวิดีโอการประชุม")  # fmt: skip
    for text in texts:
        result = knowing.parse(text)
        doc = knowing.prepare(text)
        prediction = knowing.classifier.predict(doc)
        matches = knowing.index.search(doc, grams=analyse(doc))
        searched = decide(prediction, matches, knowing.classifier.threshold, knowing.thresholds)
        assert (result.intent, result.topic) == (searched.intent, searched.topic), text
        suggested = dict(prediction.ranked).get(KNOWLEDGE, 0.0) >= SUGGEST_TOPICS_FROM
        assert result.topic_candidates == (tuple(matches) if suggested else ()), text
