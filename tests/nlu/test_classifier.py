"""The intent classifier: deterministic, fast path equal to scikit-learn, honest fallback."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ginbot.nlu.classifier import IntentClassifier, Prepared, char_ngrams, fit_temperature
from ginbot.nlu.engine import Nlu
from ginbot.nlu.intents import load_heldout
from tests.nlu.conftest import FIXTURE_INTENTS


def _docs(nlu: Nlu) -> list[tuple[Prepared, str]]:
    return list(nlu.training_documents)


def test_same_data_in_any_order_gives_the_same_model(small_nlu: Nlu) -> None:
    docs = _docs(small_nlu)
    shuffled = docs[:]
    random.Random(7).shuffle(shuffled)
    first = IntentClassifier.train(docs)
    second = IntentClassifier.train(shuffled)
    probe = small_nlu.prepare("กรมสรรพากรย้ายวันไหนครับ")
    assert first.classes == second.classes
    assert first.temperature == second.temperature
    np.testing.assert_array_equal(first.probabilities(probe), second.probabilities(probe))


def test_fast_path_equals_scikit_learn(small_nlu: Nlu) -> None:
    classifier = small_nlu.classifier
    probes = [small_nlu.prepare(e.text) for e in load_heldout(FIXTURE_INTENTS)] + [
        Prepared("", ()),
        small_nlu.prepare("ข้อความที่ไม่มีคำไหนเคยเห็น xyz"),
    ]
    fast = np.array([classifier.scores(p) for p in probes])
    reference = classifier.pipeline.decision_function(probes)
    np.testing.assert_allclose(fast, reference, atol=1e-9)


def test_char_ngrams_match_scikit_learns_char_wb() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
    for text in ["", "a", "ab cd", "สวัสดีครับ qagencyq v9", "x  y z"]:
        assert char_ngrams(Prepared(text, ())) == analyzer(text)


def test_probabilities_sum_to_one_and_rank_is_sorted(small_nlu: Nlu) -> None:
    prediction = small_nlu.classifier.predict(small_nlu.prepare("ติดตั้ง v9 บน mac ยังไง"))
    assert prediction.intent == "install_v9"
    probs = [p for _, p in prediction.ranked]
    assert probs == sorted(probs, reverse=True)
    total = small_nlu.classifier.probabilities(small_nlu.prepare("hello")).sum()
    assert total == pytest.approx(1.0)


def test_low_confidence_becomes_fallback(small_nlu: Nlu) -> None:
    probe = small_nlu.prepare("ติดตั้งยังไง")
    normal = small_nlu.classifier.predict(probe)
    assert normal.intent == "install_v9"
    strict = IntentClassifier.train(_docs(small_nlu), threshold=normal.confidence + 1e-6)
    prediction = strict.predict(probe)
    assert prediction.intent == "fallback"
    # The ranking still shows what the model leaned towards, for "did you mean" buttons.
    assert prediction.ranked[0] == ("install_v9", normal.confidence)


def test_temperature_fit_prefers_sharper_softmax_for_clean_scores() -> None:
    labels = np.array([0, 1, 2] * 20)
    scores = np.eye(3)[labels] * 2.0 - 1.0  # correct class +1, others -1
    assert fit_temperature(scores, labels) < 0.5


def test_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="at least two intents"):
        IntentClassifier.train([(Prepared("a", ("a",)), "greet"), (Prepared("b", ("b",)), "greet")])
