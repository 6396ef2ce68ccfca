"""detect_language: Thai, English, or undecided, the way officials and English speakers write."""

from __future__ import annotations

from pathlib import Path

import pytest

from ginbot.nlu.intents import load_heldout
from ginbot.nlu.language import detect_language

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("When does the Revenue Department move to v9?", "en"),
        ("Can I talk to a person please?", "en"),
        ("hello", "en"),
        ("install acuconference 9 on mac", "en"),
        ("กรมสรรพากรย้ายวันไหน", "th"),
        # Mixed: English words inside a Thai question are a Thai speaker's message.
        ("กรมสรรพากร migrate วันไหน", "th"),
        ("Revenue Department ย้ายวันไหน", "th"),
        ("ติดตั้ง v9 บน windows", "th"),
        ("gin conference คืออะไร", "th"),
        ("zoom ประชุมได้กี่นาที", "th"),
        ("good afternoon ค่ะ", "th"),
        ("logon error ครับ", "th"),
        # Nothing but words both languages share: undecided, the caller keeps the last language.
        ("v9", None),
        ("ok", None),
        ("acu 9", None),
        ("👍", None),
        ("", None),
        ("๑๒๓", None),
    ],
)
def test_language_of_a_message(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_held_out_english_and_thai_are_told_apart() -> None:
    """Every held-out utterance written without Thai letters is English, every one with a Thai question
    is Thai: the split `ginbot eval` reports English accuracy on."""
    examples = load_heldout(ROOT / "intents")
    english = [e.text for e in examples if detect_language(e.text) == "en"]
    thai = [e.text for e in examples if detect_language(e.text) == "th"]
    assert len(english) + len(thai) == len(examples)
    assert all(not any("\u0e01" <= ch <= "\u0e4e" for ch in text) for text in english)
    assert len(english) >= 8 * 21  # at least 8 English held-out texts per intent (21 with fallback)
