"""Short answers to the check-in question, read in context; and which trouble reports are statements."""

from __future__ import annotations

import pytest

from ginbot.nlu.readiness import NOT_INSTALLED, PROBLEM, READY, checkin_answer, is_status_statement


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ใช้ได้แล้ว", READY),  # the button
        ("ได้แล้วค่ะ", READY),
        ("โอเคค่ะ", READY),
        ("ลงแล้วค่ะ ใช้ได้", READY),
        ("เรียบร้อยครับ", READY),
        ("ยังมีปัญหา", PROBLEM),  # the button
        ("ไม่ได้ค่ะ", PROBLEM),
        ("ยังเข้าไม่ได้เลย", PROBLEM),
        ("ลงแล้วแต่เข้าไม่ได้", PROBLEM),  # "installed" but not working: a problem, not ready
        ("ขึ้น error", PROBLEM),
        ("ยังไม่ได้ติดตั้ง", NOT_INSTALLED),  # the button
        ("ยังไม่ได้ลง", NOT_INSTALLED),  # contains ไม่ได้, still "not installed"
        ("ยังเลย", NOT_INSTALLED),
        ("ยังค่ะ", NOT_INSTALLED),
        ("ยังใช้ v8 อยู่", NOT_INSTALLED),
        ("ขอบคุณค่ะ", None),
        ("สวัสดีครับ", None),
        ("กรมสรรพากรย้ายวันไหน", None),
        ("", None),
    ],
)
def test_checkin_answer(text: str, expected: str | None) -> None:
    assert checkin_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ยังเข้าไม่ได้เลย", True),
        ("ลง v9 แล้วเข้าห้องไม่ได้", True),
        ("ยังเข้าประชุมไม่ได้ ทำยังไงดี", True),
        ("เข้าประชุมไม่ได้", False),
        ("เข้าประชุมไม่ได้ทำยังไง", False),  # ยังไง is "how", not "still"
        ("ไม่มีเสียง", False),
    ],
)
def test_status_statement(text: str, expected: bool) -> None:
    assert is_status_statement(text) is expected
