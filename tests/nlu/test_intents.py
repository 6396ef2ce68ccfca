"""Loading intents/*.yml: good files load, bad ones fail naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from ginbot.nlu.intents import (
    IntentDataError,
    IntentExample,
    load_agency_mentions,
    load_heldout,
    load_intent_file,
    load_intents,
)
from tests.nlu.conftest import FIXTURE_INTENTS


def test_fixture_intents_load() -> None:
    examples = load_intents(FIXTURE_INTENTS)
    assert IntentExample("กรมสรรพากรย้ายวันไหน", "migration_date") in examples
    assert {e.intent for e in examples} == {
        "greet",
        "thanks",
        "migration_date",
        "install_v9",
        "set_agency",
        "fallback",
    }


def test_heldout_is_separate_and_skips_agency_mentions() -> None:
    heldout = load_heldout(FIXTURE_INTENTS)
    assert IntentExample("กรมอุตุฯ ย้ายวันไหน", "migration_date") in heldout
    assert not {e.text for e in heldout} & {e.text for e in load_intents(FIXTURE_INTENTS)}
    mentions = load_agency_mentions(FIXTURE_INTENTS)
    assert (mentions[0].text, mentions[0].agency) == ("กรมสรรพากรย้ายวันไหน", "rd")


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("greet.yml", "intent: greet\nexamples: [\"a\", \"b\"\n", "not valid YAML"),
        ("greet.yml", "- just\n- a list\n", "expected a mapping"),
        ("greet.yml", "intent: Greet-1\nexamples: [\"สวัสดี\"]\n", "must be lower_snake_case"),
        ("greet.yml", "intent: thanks\nexamples: [\"ขอบคุณ\"]\n", "does not match the file name 'greet'"),
        ("greet.yml", "intent: greet\nexamples: []\n", "'examples' must be a non-empty list"),
        ("greet.yml", "intent: greet\n", "'examples' must be a non-empty list"),
        ("greet.yml", "intent: greet\nexamples: [\"สวัสดี\", \"  \"]\n", "example 2 is empty"),
        ("greet.yml", "intent: greet\nexamples: [\"สวัสดี\", 555]\n", "example 2 (555) is not text"),
        (
            "greet.yml",
            "intent: greet\nexamples: [\"สวัสดี\", \"hello\", \"สวัสดี \"]\n",
            "example 3 'สวัสดี ' duplicates example 1",
        ),
    ],
)
def test_bad_file_is_rejected_with_file_and_problem(tmp_path: Path, name: str, body: str, message: str) -> None:
    path = _write(tmp_path, name, body)
    with pytest.raises(IntentDataError) as caught:
        load_intent_file(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_same_example_in_two_intents_names_both_files(tmp_path: Path) -> None:
    _write(tmp_path, "greet.yml", 'intent: greet\nexamples: ["สวัสดี", "ok"]\n')
    _write(tmp_path, "thanks.yml", 'intent: thanks\nexamples: ["ขอบคุณ", "ok"]\n')
    with pytest.raises(IntentDataError, match=r"thanks\.yml: example 'ok' is also in .*greet\.yml"):
        load_intents(tmp_path)


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(IntentDataError, match="intents folder not found"):
        load_intents(tmp_path / "nope")
    with pytest.raises(IntentDataError, match="no intent files"):
        load_intents(tmp_path)


def test_bad_agency_mentions(tmp_path: Path) -> None:
    (tmp_path / "heldout").mkdir()
    _write(tmp_path / "heldout", "agency_mentions.yml", "mentions:\n  - text: กรมสรรพากร\n")
    with pytest.raises(IntentDataError, match="mention 1 needs 'text' and 'agency'"):
        load_agency_mentions(tmp_path)


def test_spacing_only_differences_are_duplicates(tmp_path: Path) -> None:
    path = _write(tmp_path, "migration_date.yml", 'intent: migration_date\nexamples: ["ย้ายวันไหน", "ย้าย วันไหน"]\n')
    with pytest.raises(IntentDataError, match="example 2 'ย้าย วันไหน' duplicates example 1"):
        load_intent_file(path)
