"""Concept features: synonyms, negation scope, concept pairs."""

from __future__ import annotations

from ginbot.nlu.lexicon import LEXICON, concepts
from ginbot.nlu.text import normalise, tokens


def _concepts(text: str) -> list[str]:
    return concepts(tokens(normalise(text)))


def test_synonyms_share_a_concept() -> None:
    for word in ("ไมค์", "ไมโครโฟน", "microphone"):
        assert "#audio" in LEXICON[word]
    assert "#thanks" in _concepts("appreciate it")
    assert "#thanks" in _concepts("ขอบคุณครับ")


def test_negation_marks_what_follows() -> None:
    negated = _concepts("ไม่อยากได้แจ้งเตือนอีก")
    assert "#not-notify" in negated
    assert "#not-notify" not in _concepts("อยากได้แจ้งเตือน")
    # "เข้าไม่ได้" (cannot join) negates nothing after it
    assert not [c for c in _concepts("เข้าไม่ได้ ไมค์ไม่ติด") if c == "#not-audio"]


def test_pairs_and_two_word_entries() -> None:
    found = _concepts("ยกเลิกแจ้งเตือน")
    assert "#notify+#stop" in found
    assert "#when" in _concepts("ย้ายวันไหน")  # "วัน" + "ไหน" matched as one entry
