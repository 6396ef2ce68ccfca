"""Long answers are cut where a reader would cut them, never inside a Thai syllable, never losing text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ginbot.channels.base import split_text, utf16_len


def test_short_text_is_one_piece_and_blank_text_none() -> None:
    assert split_text("สวัสดีค่ะ", 5000) == ["สวัสดีค่ะ"]
    assert split_text("  \n ", 5000) == []


def test_cuts_between_paragraphs_before_lines_before_words() -> None:
    text = "ย่อหน้าแรก ยาวพอสมควร\nบรรทัดสอง\n\nย่อหน้าสอง"
    assert split_text(text, 36) == ["ย่อหน้าแรก ยาวพอสมควร\nบรรทัดสอง", "ย่อหน้าสอง"]
    assert split_text("บรรทัดหนึ่งยาวๆ\nบรรทัดสอง", 20) == ["บรรทัดหนึ่งยาวๆ", "บรรทัดสอง"]
    assert split_text("คำหนึ่ง คำสอง คำสาม", 14) == ["คำหนึ่ง คำสอง", "คำสาม"]


def test_a_hard_cut_keeps_vowels_and_tone_marks_with_their_consonant() -> None:
    # No spaces at all: the cut falls inside the run, but never before a combining mark.
    pieces = split_text("ที่นี่" * 10, 7)
    assert "".join(pieces) == "ที่นี่" * 10
    assert all(utf16_len(p) <= 7 for p in pieces)
    assert not any(p[0] in "ี่้ั" for p in pieces)


def test_emoji_count_twice() -> None:
    assert utf16_len("🙏") == 2
    assert split_text("🙏" * 5, 4) == ["🙏🙏", "🙏🙏", "🙏"]


@given(
    st.text(alphabet=st.sampled_from("กขคงจ่้ีั ะา\n🙏ab"), max_size=400), st.integers(min_value=2, max_value=60)
)
def test_pieces_fit_and_keep_every_visible_character_in_order(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < utf16_len(p) <= limit for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
