"""Reading a short answer to the check-in question ("AcuConference 9 ใช้งานได้แล้วหรือยังคะ?") in its context.

Unprompted statements ("ติดตั้ง v9 แล้ว", "ยังไม่ได้ลง") have intents of their own (report_ready,
report_not_installed). Right after a check-in, people answer in two or three words that mean nothing out of
context ("ได้แล้วค่ะ", "ยังเลย", "ไม่ได้ค่ะ"); the classifier rightly calls those fallback or thanks, so
the core asks this module only when a check-in is waiting for an answer. Pure, no I/O.
"""

from __future__ import annotations

import re

from ginbot.nlu.text import normalise

READY, PROBLEM, NOT_INSTALLED = "ready", "problem", "not_installed"

# Polite particles and fillers carry no answer; stripped before the whole-text comparisons below.
_PARTICLES = re.compile(r"(ค่ะ|คะ|ครับ|คับ|ครัช|นะ|จ้า|จ้ะ|ค่า|เลย|แล้ว|อยู่|\s|[.!?~^_,])+")

# Checked in this order: "ยังไม่ได้ลง" contains "ไม่ได้" (a problem word), and "ลงแล้วแต่เข้าไม่ได้"
# contains "ลงแล้ว" (a ready word); the more specific reading wins.
_NOT_INSTALLED_PARTS = (
    "ยังไม่ได้ลง", "ยังไม่ได้ติดตั้ง", "ยังไม่ลง", "ยังไม่ติดตั้ง", "ยังไม่ได้ทำ", "ยังไม่ได้อัป", "ยังไม่ได้อัพ",
    "ยังไม่ได้install", "ยังใช้v8", "ยังใช้ตัวเก่า", "ยังไม่ได้โหลด", "ยังไม่ได้ดาวน์โหลด", "notinstalled",
    "notyet", "ยังไม่มีเวลา",
)  # fmt: skip
_NOT_INSTALLED_WHOLE = frozenset({"ยัง", "ยังไม่ได้", "ยังไม่", "ไม่ได้ลง", "ไม่ได้ติดตั้ง", "no", "not"})
_PROBLEM_PARTS = (
    "ไม่ได้", "มีปัญหา", "ไม่ผ่าน", "ไม่ติด", "ไม่เข้า", "error", "เออเร่อ", "ค้าง", "หลุด", "problem",
    "ไม่ขึ้น", "ไม่มีเสียง", "ใช้ไม่ได้", "เข้าไม่ได้", "ไม่สำเร็จ", "fail",
)  # fmt: skip
_READY_PARTS = (
    "ได้แล้ว", "ใช้ได้", "เรียบร้อย", "ติดตั้งแล้ว", "ลงแล้ว", "เสร็จแล้ว", "สำเร็จ", "เข้าได้", "ใช้งานได้",
    "works", "working", "installed", "ประชุมได้",
)  # fmt: skip
_READY_WHOLE = frozenset({"ได้", "ok", "โอเค", "okay", "yes", "ใช่", "done", "เรียบร้อย", "ได้ค่ะ", "ปกติ", "ผ่าน"})

# What makes "ได้แล้ว" a statement about the software rather than "got it": the thing or the act named.
_INSTALL_WORDS = (
    "ลง", "ติดตั้ง", "9", "acu", "เวอร์ชั่น", "เวอร์ชัน", "อัป", "อัพ", "install", "update", "upgrade", "ตัวใหม่",
    "โปรแกรม", "แอป", "ประชุม", "เข้า", "ใช้งาน", "gin", "v9",
)  # fmt: skip

# Words that turn a trouble report ("เข้าประชุมไม่ได้") into a statement about one's own v9 status:
# "still" or "already … but".
_STATUS_MARKERS = ("ยัง", "แล้ว", "still")


def _squash(text: str) -> str:
    return "".join(normalise(text).split())


def checkin_answer(text: str) -> str | None:
    """ready / problem / not_installed, or None when the text does not answer the check-in."""
    squashed = _squash(text)
    if not squashed:
        return None
    bare = _PARTICLES.sub("", normalise(text))
    if any(p in squashed for p in _NOT_INSTALLED_PARTS) or bare in _NOT_INSTALLED_WHOLE:
        return NOT_INSTALLED
    if any(p in squashed for p in _PROBLEM_PARTS):
        return PROBLEM
    if any(p in squashed for p in _READY_PARTS) or bare in _READY_WHOLE:
        return READY
    return None


def is_status_statement(text: str) -> bool:
    """Whether a trouble report speaks of one's own state ("ยังเข้าไม่ได้เลย", "ลง v9 แล้วเข้าไม่ได้"),
    which records "problem" even without a check-in; "เข้าประชุมไม่ได้ทำยังไง" is a question, not a status."""
    squashed = _squash(text)
    for how in ("ยังไง", "ยังงัย", "ยังงาย"):  # "how": its ยัง is not "still"
        squashed = squashed.replace(how, "")
    return any(m in squashed for m in _STATUS_MARKERS)


def mentions_install(text: str) -> bool:
    """Whether the text names v9 or installing ("ลง v9 แล้ว"), so "done" is about the software."""
    squashed = _squash(text)
    return any(w in squashed for w in _INSTALL_WORDS)
