"""normalise() and tokens(): the clean-up every matcher relies on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythainlp.util import normalize as pythainlp_normalize

from ginbot.nlu import text as text_module
from ginbot.nlu.text import WordSet, dictionary_words, normalise, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ครับบบบ", "ครับ"),
        ("ครับบบ", "ครับ"),
        ("ขอบคุณค่าาาา", "ขอบคุณค่า"),
        ("5555555", "555"),
        ("555+", "555+"),
        ("โทร 1111", "โทร 1111"),  # digits are never collapsed
        ("ลด 1000 บาท", "ลด 1000 บาท"),
        ("แบบบ้าน", "แบบบ้าน"),  # a real triple letter (แบบ + บ้าน) survives
        ("กลุ่ม ๒", "กลุ่ม 2"),
        ("เเปลก", "แปลก"),
        ("สวัสดี\u200bครับ", "สวัสดีครับ"),
        ("a\x00b\x07c", "abc"),
        ("บรรทัด1\nบรรทัด2\t end", "บรรทัด1 บรรทัด2 end"),
        ("  Hello   WORLD  ", "hello world"),
        ("เวอร์ชั่น 9", "v9"),
        ("เวอร์ชัน9", "v9"),
        ("version 8", "v8"),
        ("V.9", "v9"),
        ("v 9", "v9"),
        ("อัพเดท", "อัปเดต"),
        ("อัพเดต", "อัปเดต"),
        ("อัพเกรด", "อัปเกรด"),
        ("ดาวโหลด", "ดาวน์โหลด"),
        ("ACU Conference 9", "acuconference v9"),
        ("acuconference", "acuconference"),
        ("acu conf", "acuconference"),
        ("acu9", "acuconference v9"),
        ("GIN Conf", "ginconference"),
        ("gin conference v9", "ginconference v9"),
        ("จินคอนเฟอเรนซ์", "ginconference"),
        ("สนง.สถิติ", "สำนักงานสถิติ"),
        ("วิธีเอาเวอร์ชันแปดออก", "วิธีเอา v8 ออก"),
        ("ติดตั้งเวอร์ชั่นเก้า", "ติดตั้ง v9"),
        ("ลงv9แล้ว", "ลง v9 แล้ว"),
        ("9 โมง", "9 โมง"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


# Thai letters, vowels, tone marks and a few spaces/digits: the characters
# PyThaiNLP's normalize() rewrites.
_THAI_SOUP = st.text(alphabet=st.sampled_from(list("กขคงจนมยรลวอเแโใไะัาำิีึืุู่้๊๋็์ํๅ ฤ 1")), max_size=30)


@given(_THAI_SOUP)
@settings(max_examples=500, deadline=None)
def test_skipping_pythainlp_normalize_never_changes_the_result(raw: str) -> None:
    # normalise() only calls PyThaiNLP's normalize() when its guard pattern
    # matches; where it does not, normalize() must be the identity.
    cleaned = " ".join(raw.split())
    if cleaned and not text_module._NEEDS_PYTHAINLP.search(cleaned):
        assert pythainlp_normalize(cleaned) == cleaned


AGENCY_WORDS = dictionary_words(["สพร.", "กรมอุตุฯ", "กรมอุตุนิยมวิทยา", "อย.", "ปค."])


@pytest.mark.parametrize(
    ("raw", "whole"),
    [
        ("ผมอยู่สพร.ครับ", "สพร."),
        ("ผมอยู่ สพร ครับ", "สพร"),
        ("กรมอุตุฯย้ายเมื่อไหร่", "กรมอุตุฯ"),
        ("ของ อย. ย้ายวันไหน", "อย."),
        ("ปค.ย้ายวันไหร", "ปค."),
    ],
)
def test_agency_abbreviations_stay_one_token(raw: str, whole: str) -> None:
    assert whole in tokens(normalise(raw), AGENCY_WORDS)


def test_two_letter_abbreviations_enter_the_dictionary_only_with_their_dot() -> None:
    # A bare "ทอ" or "คน" in the segmenter's dictionary would cut ordinary words.
    words = dictionary_words(["ทอ.", "คน.", "สคบ."])
    assert {"ทอ.", "คน.", "สคบ.", "สคบ"} <= words
    assert not {"ทอ", "คน"} & words


def test_tokens_drop_whitespace_and_handle_empty_text() -> None:
    assert tokens("") == []
    toks = tokens(normalise("สวัสดี   ครับ  hello"))
    assert all(t.strip() for t in toks)
    assert toks == ["สวัสดี", "ครับ", "hello"]


@pytest.mark.parametrize(
    ("raw", "token"),
    [("ลงv9แล้ว", "v9"), ("ย้ายไป v9 วันไหน", "v9"), ("win10 ลงไม่ได้", "win10"), ("บอทฉลาด", "บอท")],
)
def test_versions_and_domain_words_are_one_token(raw: str, token: str) -> None:
    assert token in tokens(normalise(raw))


_WORDS = st.lists(st.text(alphabet="กขคงab .", min_size=1, max_size=5), max_size=20)


@given(_WORDS, st.text(alphabet="กขคงab .", max_size=20))
@settings(max_examples=300, deadline=None)
def test_wordset_answers_like_pythainlp_trie(words: list[str], text: str) -> None:
    from pythainlp.util import Trie

    words = [w for w in words if w.strip() == w and w]
    fast, reference = WordSet(words), Trie(words)
    assert len(fast) == len(reference)
    for start in range(len(text) + 1):
        assert fast.prefixes(text, start) == reference.prefixes(text, start)


def test_wordset_is_read_only() -> None:
    words = WordSet(["กข"])
    assert "กข" in words and "ก" not in words
    with pytest.raises(TypeError):
        words.add("คง")
