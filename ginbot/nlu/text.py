"""Thai text clean-up and word segmentation.

This module and its siblings in ``ginbot.nlu`` are the only code in ginbot that
imports PyThaiNLP, so the rest of the bot never depends on its quirks.

``normalise`` is applied once per message; everything downstream (classifier,
entity matchers) works on its output, so it must be cheap and idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from pythainlp import (
    thai_above_vowels,
    thai_below_vowels,
    thai_follow_vowels,
    thai_lead_vowels,
    thai_tonemarks,
)
from pythainlp.corpus.common import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie
from pythainlp.util import normalize as _pythainlp_normalize

from ginbot.nlu.lexicon import LEXICON

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Whitespace-like controls become a space (they separate words); every other
# control / format / surrogate / private-use code point is dropped. Zero-width
# spaces and joiners are category Cf, so they go here too.
_SPACE_CONTROLS = frozenset("\t\n\r\v\f\x85\u2028\u2029")
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

_THAI_LETTER_OR_MARK = "\u0e01-\u0e4e"

# A run of 4+ identical characters is never real Thai or English spelling, so it
# collapses to one ("ครับบบบ" -> "ครับ"). A run of exactly 3 is ambiguous:
# "แบบบ้าน" and "แบบบริษัท" are real (แบบ + บ...), so we only collapse a triple
# when nothing Thai follows it, which is where emphasis usually sits
# ("ครับบบ", "ค่ะะะ ", "โอเคคค?"). Digits are handled separately: "1000" or a
# phone number must survive.
_RUN4 = re.compile(r"([^\d\s])\1{3,}")
_RUN3_END = re.compile(rf"([^\d\sw])\1\1(?![{_THAI_LETTER_OR_MARK}])")
# Thai laughter "555555" keeps a recognisable 3-digit form, but only when it
# is not part of a longer number.
_LAUGH = re.compile(r"(?<!\d)5{3,}(?!\d)")
_SPACES = re.compile(r"\s+")
_ANY_TRIPLE = re.compile(r"(.)\1\1")

# PyThaiNLP's normalize() runs ~40 regex passes (~0.1 ms), yet each of them
# only changes text containing one of these patterns; on text with none it is
# the identity (tests/nlu check the two agree), so it is skipped then.
_MARKS = f"{thai_above_vowels}{thai_below_vowels}{thai_tonemarks}\u0e3a\u0e4c\u0e4d\u0e4e"
_NO_REPEAT = f"{thai_follow_vowels}{thai_lead_vowels}{thai_above_vowels}{thai_below_vowels}\u0e3a\u0e4c\u0e4d\u0e4e"
_NEEDS_PYTHAINLP = re.compile(
    "|".join(
        (
            "\u0e40\u0e40",  # sara e + sara e (-> sara ae)
            f"[{thai_tonemarks}\u0e4c][{thai_above_vowels}{thai_below_vowels}]",  # tone before vowel
            f"\u0e4d[{thai_tonemarks}]*\u0e32",  # nikhahit + sara aa (-> sara am)
            f"[{thai_follow_vowels}][{thai_tonemarks}]",  # follow vowel before tone
            "\u0e45",  # lakkhangyao
            f"([{_NO_REPEAT}]) *\\1",  # a repeated vowel or sign
            f"[{thai_tonemarks}]{{2}}",  # repeated tone marks
            f"^[{_MARKS}]",  # dangling mark at the start
            f" [{_MARKS}]",  # ... or after a space
        )
    )
)

_NOT_LATIN_OR_DIGIT_BEFORE = r"(?<![a-z0-9])"
_NOT_DIGIT_AFTER = r"(?!\d)"

# Domain spellings people actually type, mapped to one form each so the
# classifier and matchers see one token instead of a dozen. Order matters:
# Thai spelling variants first, then the version patterns that use them.
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"เวอ(?:ร์)?ชั[่้]?น", "เวอร์ชัน"),
        (r"อั[พปบ]เด[ทตด]", "อัปเดต"),
        (r"อั[พป]เกรด", "อัปเกรด"),
        (r"ดาว(?:น์)?โหลด", "ดาวน์โหลด"),
        # "สนง." is how officials abbreviate สำนักงาน in agency names.
        (r"สนง\.?\s*", "สำนักงาน"),
        (r"(?<![a-z])acu(?:[\s\-_]*conf(?:erence)?)?(?![a-z])", "acuconference"),
        (r"(?<![a-z])gin[\s\-_]*conf(?:erence)?(?![a-z])", "ginconference"),
        (r"จิ[นล]\s*คอน(?:เฟอ(?:ร์)?เร้?นซ์?|ฟ)?", "ginconference"),
        # "acu 9" / "gin conference 9": keep the product, write the version as v9.
        # The version always ends up as a separate word " v9 ", even when
        # glued to Thai ("ลงv9แล้ว"), so it is one token and one char-n-gram word.
        (r"(acuconference|ginconference|(?<![a-z])gin)\s*\.?\s*([89])" + _NOT_DIGIT_AFTER, r"\1 v\2 "),
        (
            _NOT_LATIN_OR_DIGIT_BEFORE + r"(?:v|ver|version|เวอร์ชัน|รุ่น)\s*\.?\s*([89])" + _NOT_DIGIT_AFTER,
            r" v\1 ",
        ),
        # ... and spelt out: "เวอร์ชันแปด", "เวอร์ชั่นเก้า".
        (r"(?:เวอร์ชัน|รุ่น)\s*แปด", " v8 "),
        (r"(?:เวอร์ชัน|รุ่น)\s*เก้า", " v9 "),
    )
)


# Every spelling rule needs one of these; most messages have none.
_SPELLING_TRIGGER = re.compile(r"เวอ|อั[พปบ]|ดาว|สนง|acu|gin|จิ[นล]|v|รุ่น")


def _clean_char(ch: str) -> str:
    if ch in _SPACE_CONTROLS:
        return " "
    if unicodedata.category(ch) in _DROP_CATEGORIES:
        return ""
    return ch


@lru_cache(maxsize=2048)
def normalise(text: str) -> str:
    """Return the canonical form of ``text`` used by every matcher.

    NFC, invisible/control characters removed, Thai digits to Arabic, Latin
    lower-cased, PyThaiNLP's vowel/tone-mark clean-up, repeated characters
    collapsed, domain spellings unified, whitespace collapsed. Idempotent.
    Cached because the same short texts (greetings, menu taps) recur a lot.
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable():
        text = "".join(_clean_char(ch) for ch in text)
    text = text.translate(_THAI_DIGITS).lower()
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ""
    if _NEEDS_PYTHAINLP.search(text):
        text = _pythainlp_normalize(text)
    if _ANY_TRIPLE.search(text):
        text = _LAUGH.sub("555", text)
        text = _RUN4.sub(r"\1", text)
        text = _RUN3_END.sub(r"\1", text)
    if _SPELLING_TRIGGER.search(text):
        for pattern, replacement in _SPELLINGS:
            text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


# Words the stock dictionary lacks or splits badly in this domain. They are in
# normalised form, because tokens() is only ever fed normalise()d text.
DOMAIN_WORDS: frozenset[str] = frozenset(
    {
        "สพร.",
        "สพร",
        "สรอ.",
        "ดีจีเอ",
        "เวอร์ชัน",
        "อัปเดต",
        "อัปเกรด",
        "ดาวน์โหลด",
        "ติดตั้ง",
        "ถอนการติดตั้ง",
        "ถอนติดตั้ง",
        "ลงโปรแกรม",
        "ประชุมออนไลน์",
        "ประชุมทางไกล",
        "ล็อกอิน",
        "ไมค์",
        "แอป",
        "แอพ",
        "ย้ายระบบ",
        "แจ้งเตือน",
        "เจ้าหน้าที่",
        "คอลเซ็นเตอร์",
    }
)


# Thai abbreviations (สพร, สคบ, กปภ, ทอท) are short; a dotted form of a long
# full name is never typed, so it would only bloat the dictionary.
_MAX_ABBREVIATION_CHARS = 8
_MIN_BARE_THAI_CHARS = 2


def _lexicon_words() -> frozenset[str]:
    """Thai lexicon entries the stock dictionary lacks, so they segment whole
    ("บอท" would otherwise come out as "บอ|ท"). Two-word phrases ("วันไหน")
    are left out: lexicon.concepts() matches them on adjacent tokens."""
    stock = thai_words()

    def phrase(word: str) -> bool:
        return any(word[:i] in stock and word[i:] in stock for i in range(1, len(word)))

    return frozenset(w for w in LEXICON if not w.isascii() and w not in stock and not phrase(w))


def dictionary_words(names: Iterable[str]) -> frozenset[str]:
    """Dictionary entries for a set of names: each normalised, with and without
    a trailing dot (people write both "สพร." and "สพร")."""
    words: set[str] = set()
    for name in names:
        norm = normalise(name)
        if not norm:
            continue
        bare = norm.rstrip(".")
        forms = {norm, bare}
        if len(bare) <= _MAX_ABBREVIATION_CHARS and " " not in bare and not bare.isascii():
            forms.add(bare + ".")
        # Two-letter Thai forms ("ปค", "ทอ") are left out: as dictionary words
        # they would make the segmenter cut ordinary text ("บอทออก" into
        # "บอ|ทอ|อก"); with their dot ("ปค.") they are safe and kept.
        words.update(f for f in forms if len(f) > _MIN_BARE_THAI_CHARS or f.isascii() or f.endswith("."))
    return frozenset(words)


class WordSet(Trie):
    """The segmenter's dictionary as two hash sets instead of a tree of nodes.

    newmm only asks a dictionary for ``prefixes(text, start)`` (the words
    starting at a position). Answering that from the set of words plus the set
    of their proper prefixes gives exactly the same answers as PyThaiNLP's
    ``Trie`` (tests/nlu check), as fast, but builds 3-4x faster (~0.15 s
    instead of ~0.5 s for the 62k-word dictionary): a tenth of the bot's
    start-up budget. Read-only.
    """

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(())
        self._words: frozenset[str] = frozenset({w for w in (word.strip() for word in words) if w})
        self._stems: frozenset[str] = frozenset({w[:k] for w in self._words for k in range(1, len(w))})

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        found: list[str] = []
        end = start + 1
        while end <= len(text):
            piece = text[start:end]
            if piece in self._words:
                found.append(piece)
            if piece not in self._stems:
                break
            end += 1
        return found

    def add(self, word: str) -> None:
        raise TypeError("WordSet is read-only; build a new one")

    def remove(self, word: str) -> None:
        raise TypeError("WordSet is read-only; build a new one")

    def __contains__(self, key: object) -> bool:
        return key in self._words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


@lru_cache(maxsize=3)
def _trie(extra_words: frozenset[str]) -> Trie:
    # Built once per distinct vocabulary: in practice the stock one and the
    # one with the agency names, plus the next one after an agency import.
    # ~30 MB each, hence the small cache.
    return WordSet(thai_words() | DOMAIN_WORDS | _lexicon_words() | extra_words)


def is_dictionary_word(word: str) -> bool:
    """True for a word of PyThaiNLP's stock Thai dictionary."""
    return word in thai_words()


def warm_up(extra_words: frozenset[str] = frozenset()) -> None:
    """Build the dictionary now rather than on the first message."""
    _trie(extra_words)


def tokens(text: str, extra_words: frozenset[str] = frozenset()) -> list[str]:
    """Segment already-normalised ``text`` into words (PyThaiNLP newmm).

    ``extra_words`` (e.g. from ``dictionary_words(agency names)``) are added to
    the stock dictionary plus DOMAIN_WORDS so that "สพร." or "กรมอุตุฯ" stay
    one token. Whitespace tokens are dropped. The text is not normalised again:
    callers already hold the normalised form and this is the hot path.
    """
    if not text:
        return []
    words = word_tokenize(text, custom_dict=_trie(extra_words), engine="newmm", keep_whitespace=True)
    # newmm cuts Latin letters from digits ("v9" -> "v", "9"; "win10"); glue
    # them back when nothing separated them in the text.
    merged: list[str] = []
    for word in words:
        if merged and word.isdigit() and merged[-1].isascii() and merged[-1][-1:].isalpha():
            merged[-1] += word
        else:
            merged.append(word)
    return [w for w in merged if w and not w.isspace()]
