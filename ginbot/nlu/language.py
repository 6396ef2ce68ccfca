"""Which language a message is written in: Thai, English, or not enough to tell.

A rule, not a model: officials write Thai with English product names mixed in ("กรมสรรพากร migrate
วันไหน"), while people who ask in English write no Thai at all. So the share of Thai letters among the
letters of the message decides, after the words both languages use alike (GIN, AcuConference, v9, DGA,
ok) are set aside. A message made only of such words ("v9", "ok", "acu 9") says nothing about the
person's language: it gets ``None`` and the caller keeps the language the person used last.
Measured on the held-out utterances in ``tests/nlu/test_language.py``.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["th", "en"]
LANGUAGES: tuple[Language, ...] = ("th", "en")

# At least this share of Thai letters makes a mixed message Thai: a Thai question word or two
# ("ย้ายวันไหน") around an English agency name is a Thai speaker's message.
THAI_SHARE_FOR_THAI = 0.25

# A polite particle ("good afternoon ค่ะ", "logon error ครับ") is a Thai speaker however short the Thai.
_THAI_PARTICLE = re.compile(r"(ค่ะ|คะ|ครับ|คับ|ค้าบ|จ้า|จ้ะ|นะ)\s*[?!.]*\s*$")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Words a Thai official types in Latin letters as readily as an English speaker does.
_SHARED_WORDS = frozenset(
    {
        "gin", "conference", "acuconference", "acu", "aculearn", "dga", "ega", "v", "ver", "vs", "ok", "okay",
        "line", "telegram", "bot", "ginbot", "app", "pc", "mac", "ios", "android", "iphone", "ipad",
        "windows", "win", "macos", "linux", "ubuntu", "chrome", "wifi", "vpn", "id", "otp", "pin",
    }
)  # fmt: skip


def detect_language(text: str) -> Language | None:
    """``"th"``, ``"en"``, or ``None`` when the text has no letters that tell the two apart."""
    thai = len(_THAI_LETTER.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text) if w.lower() not in _SHARED_WORDS)
    if thai == 0 and latin == 0:
        return None
    if thai and _THAI_PARTICLE.search(text):
        return "th"
    return "th" if thai / (thai + latin) >= THAI_SHARE_FOR_THAI else "en"
