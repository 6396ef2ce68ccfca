"""The evaluation behind `ginbot eval`, on the fixture data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ginbot.nlu.agency_table import AgencyEntry
from ginbot.nlu.evaluate import THRESHOLDS, EvalReport, evaluate, report_json, run_eval
from tests.nlu.conftest import FIXTURE_AGENCIES, FIXTURE_INTENTS, FIXTURES


@pytest.fixture(scope="module")
def report(agencies: list[AgencyEntry]) -> EvalReport:
    return evaluate(FIXTURE_INTENTS, agencies, mari_test_path=FIXTURES / "offtopic.csv")


def test_report_figures(report: EvalReport) -> None:
    assert report.n_heldout == 12
    # The figures are what the confusion matrix says, not merely numbers between 0 and 1 …
    diagonal = sum(report.confusion[i][i] for i in range(len(report.labels)))
    assert report.accuracy == pytest.approx(diagonal / report.n_heldout)
    f1s = [report.per_intent[label]["f1"] for label in report.labels]
    assert report.macro_f1 == pytest.approx(sum(f1s) / len(f1s))
    # … and the fixture's held-out texts are easy: each one is classified right.
    assert report.accuracy == 1.0 and report.macro_f1 == 1.0
    assert all(report.per_intent[label]["support"] == 2 for label in report.labels)
    assert report.agency_top1 == 1.0  # includes the typo "กรมศุลกกร" and the longest-name case
    assert report.mari_false_alarms is not None
    assert set(report.per_intent) >= {"greet", "migration_date", "fallback"}
    assert len(report.confusion) == len(report.labels)
    assert sum(map(sum, report.confusion)) == report.n_heldout
    # Cross-validation trains on fewer examples each fold: a little lower, still well above chance (1/6).
    assert 0.85 <= report.cv_accuracy <= 1.0
    assert report.heldout_in_training == []


def test_failures_list_every_unmet_threshold(report: EvalReport) -> None:
    impossible = {"min_accuracy": 1.01, "max_mari_false_alarms": -1.0}
    failures = report.failures(impossible)
    assert len(failures) == 2
    assert failures[0].startswith("accuracy ")
    assert failures[1].startswith("mari_false_alarms ")
    assert report.failures({"min_accuracy": 0.0, "max_inscope_to_fallback": 1.0}) == []


def test_text_and_json(report: EvalReport) -> None:
    text = report.to_text()
    assert "accuracy" in text and "macro-F1" in text and "agency top-1" in text
    data = json.loads(report_json(report))
    assert data["n_heldout"] == 12
    assert isinstance(data["failures"], list)
    assert set(THRESHOLDS) == {
        "min_accuracy",
        "min_accuracy_th",
        "min_accuracy_en",
        "min_macro_f1",
        "min_oos_to_fallback",
        "max_inscope_to_fallback",
        "min_agency_top1",
        "max_mari_false_alarms",
        "min_topic_accuracy",
        "min_specific_answers",
    }


def test_topic_figures_come_from_the_knowledge_heldout_file(report: EvalReport) -> None:
    # tests/nlu/fixtures/data/knowledge: 3 topics, 6 held-out questions.
    assert report.n_topics == 3 and report.n_topic_heldout == 6
    assert report.topic_accuracy is not None and report.specific_answers is not None
    assert report.specific_answers >= report.topic_accuracy
    assert len(report.topic_misses) == round(6 * (1 - report.topic_accuracy))
    assert "topic accuracy" in report.to_text()


def test_missing_truevoice_file_is_a_failure_not_a_skip(agencies: list[AgencyEntry], tmp_path: Path) -> None:
    report = evaluate(FIXTURE_INTENTS, agencies, mari_test_path=tmp_path / "missing.csv")
    assert report.mari_false_alarms is None
    assert "mari_false_alarms: not measured (data file missing)" in report.failures()


def test_run_eval_takes_a_csv_path() -> None:
    report = run_eval(FIXTURE_INTENTS, FIXTURE_AGENCIES)
    assert report.n_train > 0


def test_accuracy_is_reported_per_language(report: EvalReport) -> None:
    """English held-out texts are scored apart, so English cannot hide behind Thai's numbers. The fixture
    holds one English text ("thanks a lot"); "hello ครับ" is Thai (a Thai particle)."""
    assert report.n_heldout_en == 1
    missed = {m.text for m in report.misclassified}
    assert report.accuracy_en == (0.0 if "thanks a lot" in missed else 1.0)
    thai_missed = len(missed - {"thanks a lot"})
    assert report.accuracy_th == pytest.approx((11 - thai_missed) / 11)
    assert "English accuracy" in report.to_text() and "(1)" in report.to_text()
    assert report.failures({"min_accuracy_en": 1.01}) == [f"accuracy_en {report.accuracy_en:.3f} < 1.01"]
