"""Agency, cohort and platform matchers, as tables of what users type."""

from __future__ import annotations

import pytest

from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.entities import match_cohort, match_platform, mentions_unnamed_mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # exact full names, longest wins
        ("กรมสรรพากรย้ายวันไหน", "rd"),
        ("กรมการแพทย์แผนไทยและการแพทย์ทางเลือกอยู่กลุ่มไหน", "dtam"),
        ("กรมการแพทย์อยู่กลุ่มไหน", "dms"),
        ("กรมทางหลวงชนบทย้ายเมื่อไร", "drr"),
        ("สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "dga"),
        # abbreviations, with or without the dot
        ("ของ อย. ย้ายวันไหน", "fda"),
        ("อย.", "fda"),
        ("ปค.ย้ายวันไหร", "dopa"),
        ("ทำงานที่ ปค ครับ", "dopa"),
        ("สพร.", "dga"),
        ("ผมอยู่สพรครับ", "dga"),
        ("สคบ", "ocpb"),
        # aliases
        ("กรมอุตุฯ ย้ายวันไหน", "tmd"),
        ("สรรพากรครับ", "rd"),
        # English names and abbreviations, any case, "The" optional
        ("Revenue Department migrate when?", "rd"),
        ("i work at the customs department", "customs"),
        ("my agency is DOH", "doh"),
        ("what is DGA", "dga"),
        # one-letter typos
        ("กรมสรรพกรย้ายวันไหน", "rd"),
        ("ผมอยู่กรมศุลกกรครับ", "customs"),
        ("ดิฉันอยู่กรมอนามยค่ะ", "anamai"),
        ("กรมทางหลวงชนบถย้ายวันไหน", "drr"),  # the typo'd longer name beats the exact shorter one
    ],
)
def test_agency_resolved(matcher: AgencyMatcher, text: str, expected: str) -> None:
    candidates = matcher.match(text)
    assert [c.id for c in candidates] == [expected]
    assert not candidates[0].suggestion
    assert candidates[0].score >= 0.9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("กรมศุลฯ ใช้เวอร์ชันเก่าได้ถึงวันไหน", ["customs"]),  # "Xฯ" cuts a name short
        ("สรรพาฯ ครับ", ["rd"]),
        ("ทางหลวงฯ ย้ายวันไหน", ["doh", "drr"]),  # the stem starts two names: ask
        ("กรมฯ", []),  # an office prefix alone names nobody
        ("โปรดทราบฯ", []),
    ],
)
def test_names_cut_short_with_paiyannoi(matcher: AgencyMatcher, text: str, expected: list[str]) -> None:
    assert sorted(c.id for c in matcher.match(text)) == expected


def test_exact_hits_score_one_and_typos_less(matcher: AgencyMatcher) -> None:
    assert matcher.match("กรมสรรพากร")[0].score == 1.0
    assert 0.9 <= matcher.match("กรมสรรพกร")[0].score < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "อยากทราบวันย้าย",  # "อย" inside "อยาก"
        "ขอบคุณน้อย.",  # "อย." at the end of "น้อย."
        "ลบประวัติที่เคยคุยกับบอทออก",
        "ที่ไหนขายหน้ากากอนามัย",  # face mask, not กรมอนามัย
        "สำนักงานจังหวัดเชียงใหม่ค่ะ",  # not สำนักงบ
        "dogs and cats",  # DOH only as a whole word
        "สวัสดีครับ",
        "",
    ],
)
def test_no_false_agency(matcher: AgencyMatcher, text: str) -> None:
    assert matcher.match(text) == []


def test_shared_alias_returns_every_agency_to_ask_which(matcher: AgencyMatcher) -> None:
    # "กรมทาง" is an alias of both กรมทางหลวง and กรมทางหลวงชนบท in the fixture table.
    assert sorted(c.id for c in matcher.match("กรมทาง ย้ายวันไหน")) == ["doh", "drr"]


def test_two_agencies_named_returns_both(matcher: AgencyMatcher) -> None:
    assert [c.id for c in matcher.match("กรมสรรพากรกับกรมศุลกากรย้ายพร้อมกันไหม")] == ["rd", "customs"]


def test_near_miss_gives_flagged_suggestions(matcher: AgencyMatcher) -> None:
    candidates = matcher.match("กรมสรรพ")
    assert candidates and all(c.suggestion for c in candidates)
    assert candidates[0].id == "rd"
    assert candidates[0].score < 0.9


@pytest.mark.parametrize(
    ("text", "cohort"),
    [
        ("กลุ่ม 2 ย้ายวันไหน", 2),
        ("กลุ่มที่สองย้ายวันไหน", 2),
        ("กลุ่ม ๒", 2),
        ("กลุ่ม๓", 3),
        ("กลุ่มแรก", 1),
        ("รอบแรกย้ายวันที่เท่าไหร่", 1),
        ("รอบที่ 3", 3),
        ("รอบสุดท้าย", 3),
        ("ชุดที่ 2", 2),
        ("group 3", 3),
        ("Cohort 1 migration date", 1),
        ("กลุ่มหนึ่ง", 1),
        ("กลุ่ม 5", None),  # only 1-3 exist
        ("กลุ่ม 25", None),
        ("ย้ายไป v9 วันไหน", None),
        ("ประชุม 9 โมง", None),
        ("รอบ 2 ทุ่ม", None),
        ("กลุ่มไลน์ของกอง", None),
        ("", None),
    ],
)
def test_cohort(text: str, cohort: int | None) -> None:
    assert match_cohort(text) == cohort


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("ติดตั้งบน Windows 10", "windows"),
        ("win10 ลงไม่ได้", "windows"),
        ("วินโดว์", "windows"),
        ("ลงในคอมที่ทำงาน", "windows"),
        ("ติดตั้งในโน้ตบุ๊กส่วนตัวได้ไหม", "windows"),
        ("pc ห้องประชุม", "windows"),
        ("ลบ v8 ใน mac", "macos"),
        ("macbook m1 ลงได้ไหม", "macos"),
        ("แมค", "macos"),
        ("แม็คบุ๊ค", "macos"),
        ("android เข้าห้องแล้วหลุด", "android"),
        ("แอนดรอยด์", "android"),
        ("มือถือซัมซุง", "android"),
        ("iPhone ไม่มีเสียง", "ios"),
        ("ipad", "ios"),
        ("ไอโฟน", "ios"),
        ("ไอแพด", "ios"),
        ("มือถือ", None),
        ("ใช้ windows หรือ mac ดี", None),  # two platforms: ask, don't guess
        ("คอมเมนต์ได้ไหม", None),
        ("npc", None),
        ("ย้ายวันไหน", None),
    ],
)
def test_platform(text: str, platform: str | None) -> None:
    assert match_platform(text) == platform


@pytest.mark.parametrize(
    ("text", "unnamed"),
    [("ลงในมือถือยังไง", True), ("มือถือ android", False), ("ลงในคอม", False), ("สวัสดี", False)],
)
def test_unnamed_mobile(text: str, unnamed: bool) -> None:
    assert mentions_unnamed_mobile(text) is unnamed
