"""What every chat-platform adapter shares: the two texts that are not the core's to say, and the split rule.

The core answers everything a person says. These two cover what never reaches it: a sticker or photo (there
is no text to understand) and a failure inside ginbot (there is no answer to give). Polite register with one
speaker ("ค่ะ"), like data/answers.yml.
"""

from __future__ import annotations

import enum
import unicodedata

from ginbot.core.messages import Reply

NON_TEXT_REPLY = Reply(
    'ขออภัยค่ะ ginbot อ่านได้เฉพาะข้อความตัวอักษร กรุณาพิมพ์คำถามเป็นข้อความนะคะ เช่น "กรมสรรพากรย้ายวันไหน"'
)
FAILURE_REPLY = Reply("ขออภัยค่ะ ระบบขัดข้องชั่วคราว กรุณาลองถามใหม่อีกครั้งในอีกสักครู่นะคะ")



class Sent(enum.Enum):
    """How sending one message (or one request's messages) to a platform ended."""

    YES = "yes"  # the platform took it (now, or on an earlier attempt)
    LATER = "later"  # failed for now and may work later (5xx, 429, network): the outbox takes it
    NEVER = "never"  # refused for good (400, 403, monthly quota): retrying cannot help
    UNKNOWN = "unknown"  # may or may not have arrived, and there is no idempotency key: not sent again


# Where a long text is best cut, most preferred first: between paragraphs, lines, then words. Thai writes
# no spaces between words but does between phrases, so " " is still a good cut.
_BREAKS = ("\n\n", "\n", " ")


def utf16_len(text: str) -> int:
    """Length as LINE and Telegram count it: characters outside the BMP (most emoji) count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` UTF-16 units, at the nicest boundary available.

    A piece never ends between a Thai consonant and its vowel or tone mark (combining characters stay with
    their base). Whitespace at the cuts is dropped; an empty or blank text gives no pieces.
    """
    if limit < 2:
        raise ValueError("limit must allow at least one character with its mark")
    pieces: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    fits = _longest_prefix(text, limit)
    # A break in the first half would leave a stub of a message; cut hard in the word instead.
    for sep in _BREAKS:
        at = text.rfind(sep, 0, fits + 1)
        if at >= fits // 2 and at > 0:
            return at
    cut = fits
    while cut > 1 and _is_mark(text[cut]):
        cut -= 1
    return cut


def _longest_prefix(text: str, limit: int) -> int:
    """The largest n with utf16_len(text[:n]) <= limit."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")
