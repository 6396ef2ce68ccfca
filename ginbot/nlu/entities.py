"""Find the cohort and platform named in a message (agencies: ``agencies.py``).

Every matcher works on ``normalise()``d text, so spelling
noise (Thai digits, repeated letters, case) is already gone; normalising is
idempotent, so passing raw text is fine too.
"""

from __future__ import annotations

import re
from typing import Literal

from ginbot.nlu.text import normalise

# --- cohorts ------------------------------------------------------------------

COHORTS: tuple[int, ...] = (1, 2, 3)
_COHORT_WORDS = {"หนึ่ง": 1, "แรก": 1, "สอง": 2, "สาม": 3, "สุดท้าย": 3}
_COHORT_NOUN = r"(?:กลุ่ม|รอบ|ชุด|เฟส|ระยะ|ล็อต|ลอต|group|cohort|batch|wave|phase|round|lot)"
_COHORT = re.compile(
    _COHORT_NOUN
    + r"\s*(?:ที่|no\.?|#)?\s*"
    + r"(?:(?P<digit>\d+)(?![\d.:])(?!\s*(?:โมง|ทุ่ม|นาฬิกา|น\.|นาที|ชั่วโมง|คน|วัน))"
    + r"|(?P<word>หนึ่ง|แรก|สอง|สาม|สุดท้าย))"
)


def match_cohort(text: str, *, normalised: bool = False) -> int | None:
    """The cohort named in ``text`` (กลุ่ม 2, กลุ่มที่สอง, รอบแรก, cohort 1…), or None.

    Only 1–3 exist; "กลุ่ม 5" names no cohort, so it is None rather than a
    wrong number. A bare number ("v9", "9 โมง") never counts: a cohort noun
    must come first. "กลุ่มสุดท้าย" (the last group) is cohort 3.
    ``normalised=True`` skips normalising text that already is.
    """
    norm = text if normalised else normalise(text)
    for found in _COHORT.finditer(norm):
        value = int(found["digit"]) if found["digit"] else _COHORT_WORDS[found["word"]]
        if value in COHORTS:
            return value
    return None


# --- platforms ----------------------------------------------------------------

Platform = Literal["windows", "macos", "android", "ios"]

# Latin words need word boundaries ("pc" must not fire inside "npc"); Thai
# words are distinctive enough as substrings. Brand names are included because
# people name their phone, not its OS ("ซัมซุง").
_PLATFORM_WORDS: dict[Platform, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "windows": (
        ("windows", "window", "win", "win7", "win8", "win10", "win11", "pc", "notebook", "laptop"),
        (
            "วินโดว์",
            "วินโดวส์",
            "วินโดว",
            "คอมพิวเตอร์",
            "คอมพ์",
            "คอม",
            "โน้ตบุ๊ก",
            "โน๊ตบุ๊ก",
            "โน้ตบุ๊ค",
            "โน๊ตบุ๊ค",
            "โน้ตบุค",
            "แล็ปท็อป",
            "แลปท็อป",
        ),
    ),
    "macos": (
        ("mac", "macbook", "macos", "imac", "osx"),
        ("แมคบุ๊ก", "แมคบุ๊ค", "แม็คบุ๊ก", "แม็คบุ๊ค", "แมค", "แม็ค"),
    ),
    "android": (
        ("android", "samsung", "oppo", "vivo", "xiaomi", "huawei", "realme"),
        ("แอนดรอยด์", "แอนดรอย", "แอนดรอยด", "ซัมซุง", "ออปโป้", "วีโว่", "เสียวหมี่", "หัวเว่ย"),
    ),
    "ios": (
        ("ios", "iphone", "ipad"),
        ("ไอโฟน", "ไอแพด", "ไอแพ็ด", "ไอโอเอส"),
    ),
}
# Thai "คอม" also starts "คอมเมนต์" and "คอมมิชชั่น": exclude those readings.
_NOT_COMPUTER = ("คอมเมน", "คอมมิ", "คอมโบ")
# Latin words are looked up whole (a word of letters, optionally followed by a
# number: "win10", "win 10"); Thai words as substrings. Set and substring
# look-ups instead of one big alternation regex: ~10x faster per message.
_LATIN_WORDS: dict[str, Platform] = {w: p for p, (latin, _thai) in _PLATFORM_WORDS.items() for w in latin}
_THAI_WORDS: tuple[tuple[str, Platform], ...] = tuple(
    (w, p) for p, (_latin, thai) in _PLATFORM_WORDS.items() for w in thai
)
_MOBILE = re.compile(r"มือถือ|โทรศัพท์|สมาร์ทโฟน|สมาร์ตโฟน|แท็บเล็ต|แทบเล็ต|tablet|smartphone|mobile|phone")


def _platforms_in(norm: str) -> set[Platform]:
    found: set[Platform] = set()
    if not norm.isascii():
        if "คอม" in norm:
            for bad in _NOT_COMPUTER:
                norm = norm.replace(bad, " ")
        found.update(p for w, p in _THAI_WORDS if w in norm)
    for word in re.findall(r"[a-z0-9]+", norm):
        platform = _LATIN_WORDS.get(word) or _LATIN_WORDS.get(word.rstrip("0123456789"))
        if platform:
            found.add(platform)
    return found


def match_platform(text: str, *, normalised: bool = False) -> Platform | None:
    """The device platform named in ``text``, or None.

    When two different platforms are named ("ใช้ windows หรือ mac ดี") the
    answer is None: guessing one would give half the users the wrong guide.
    "มือถือ" (a phone, OS unknown) is None too; see ``mentions_unnamed_mobile``.
    """
    found = _platforms_in(text if normalised else normalise(text))
    return found.pop() if len(found) == 1 else None


def mentions_unnamed_mobile(text: str, *, normalised: bool = False) -> bool:
    """True when ``text`` talks about a phone/tablet without saying which OS, so
    the dialogue can ask "Android หรือ iPhone?" instead of showing every guide."""
    norm = text if normalised else normalise(text)
    return _MOBILE.search(norm) is not None and match_platform(norm, normalised=True) is None
