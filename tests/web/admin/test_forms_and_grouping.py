"""Pure parts: the broadcast form's checks and the grouping of similar questions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ginbot.delivery.targets import Target
from ginbot.web.admin.clustering import Question, group_similar
from ginbot.web.admin.forms import AgencyChoice, BroadcastForm, check, resolve_agency
from ginbot.web.admin.review import grouping_key

BANGKOK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2020, 7, 3, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
AGENCIES = {
    "rd": AgencyChoice("rd", "กรมสรรพากร", "สรรพากร", "RD"),
    "dga": AgencyChoice("dga", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "สพร.", "DGA"),
}


def checked(**fields: str):  # type: ignore[no-untyped-def]
    form = BroadcastForm.from_post({"text": "ประกาศ", **fields})
    return check(form, cohorts=[1, 2, 3], agencies=AGENCIES, now=NOW, tz=BANGKOK)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("rd", "rd"), ("RD", "rd"), ("กรมสรรพากร", "rd"), ("สพร", "dga"), ("สพร.", "dga"), ("dga", "dga"),
     ("สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) (สพร.)", "dga"), ("กรมที่ไม่มี", None), ("", None)],
)  # fmt: skip
def test_the_agency_box_takes_an_id_a_name_or_an_abbreviation(typed: str, expected: str | None) -> None:
    found = resolve_agency(typed, AGENCIES)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"target_kind": "all"}, Target("all")),
        ({"target_kind": "cohort", "cohort": "2"}, Target("cohort", "2")),
        ({"target_kind": "agency", "agency": "สพร."}, Target("agency", "dga")),
    ],
)
def test_targets(fields: dict[str, str], target: Target) -> None:
    result = checked(**fields)
    assert result.ok and result.target == target and result.send_at == NOW


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"target_kind": "cohort", "cohort": "4"}, "cohort", "เลือกกลุ่ม"),
        ({"target_kind": "agency", "agency": "กรมที่ไม่มี"}, "agency", "ไม่พบหน่วยงาน"),
        ({"target_kind": "everyone"}, "target_kind", "เลือกผู้รับ"),
        ({"target_kind": "all", "channel": "sms"}, "channel", "ช่องทาง"),
        ({"target_kind": "all", "text": "   "}, "text", "พิมพ์ข้อความ"),
        ({"target_kind": "all", "text": "ก" * 4097}, "text", "4,097"),
        ({"target_kind": "all", "when": "later", "send_at": "พรุ่งนี้"}, "send_at", "ใส่วันและเวลาที่จะส่ง เช่น"),
        ({"target_kind": "all", "when": "later", "send_at": "2020-07-03T09:00"}, "send_at", "ผ่านไปแล้ว"),
    ],
)
def test_every_problem_is_named_in_thai(fields: dict[str, str], field: str, words: str) -> None:
    result = checked(**fields)
    assert not result.ok and words in result.errors[field]


def test_a_scheduled_time_is_bangkok_time() -> None:
    result = checked(target_kind="all", when="later", send_at="2020-07-03T18:30")
    assert result.send_at == datetime(2020, 7, 3, 11, 30, tzinfo=UTC)
    # A time picked a moment ago still counts as "now-ish" rather than refused.
    assert checked(target_kind="all", when="later", send_at="2020-07-03T09:57").ok


def test_line_breaks_are_kept_as_newlines() -> None:
    assert BroadcastForm.from_post({"text": "บรรทัด 1\r\nบรรทัด 2\r\n"}).text == "บรรทัด 1\nบรรทัด 2"


def questions(*texts: str) -> list[Question]:
    return [Question(n, t, NOW, "fallback", 0.2, "line") for n, t in enumerate(texts)]


def test_similar_questions_share_a_group_and_different_ones_do_not() -> None:
    groups = group_similar(
        questions(
            "ห้องประชุมรองรับได้กี่คนครับ",
            "แชร์หน้าจอไม่ได้",
            "ห้องประชุมรับได้กี่คนคะ",
            "แชร์หน้าจอไม่ได้ครับ",
            "ครับ",
            "วันนี้ฝนตกไหม",
            "แชร์หน้าจอไม่ได้",
        ),
        grouping_key,
    )
    assert [[q.id for q in g.questions] for g in groups] == [[0, 2], [1, 3, 6], [4], [5]]
    assert groups[1].leader.text == "แชร์หน้าจอไม่ได้"


def test_a_page_of_500_questions_groups_by_what_was_asked() -> None:
    # Five kinds of question, each typed a hundred ways (politeness, openers): five pure groups, newest
    # kind first. (How long grouping takes is a bench/ matter, not a unit test's.)
    kinds = ["แชร์หน้าจอไม่ได้", "ไมค์ไม่มีเสียง", "ห้องประชุมรองรับได้กี่คน", "ลืมรหัสผ่านเข้าระบบ", "บันทึกการประชุมได้ไหม"]
    openers = ["", "สอบถามหน่อย ", "รบกวนค่ะ ", "ขอถามว่า "]
    endings = ["", "ครับ", "ค่ะ", "คะ", "นะครับ", "นะคะ", " ช่วยด้วย", "ครับผม", "จ้า", "ค่ะๆ"]
    texts = [openers[(n // 5) % 4] + kinds[n % 5] + endings[(n // 20) % 10] for n in range(500)]
    groups = group_similar(questions(*texts), grouping_key)
    assert [sorted({q.id % 5 for q in g.questions}) for g in groups] == [[0], [1], [2], [3], [4]]
    assert [len(g.questions) for g in groups] == [100] * 5
    assert [g.leader.text for g in groups] == kinds


def test_grouping_work_is_bounded_whatever_people_type(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from ginbot.web.admin import clustering

    rng = random.Random(7)
    alphabet = "กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอฮะาิีึืุูเแโใไ่้๊๋ abcxyz0123456789😀\t"
    # 500 long random messages: what made the page take minutes.
    texts = ["".join(rng.choice(alphabet) for _ in range(2000)) for _ in range(500)]
    keyed: list[int] = []
    compared: list[int] = []

    def key(text: str) -> str:
        keyed.append(len(text))
        return grouping_key(text)

    real_similarity = clustering.similarity

    def counted(a: str, b: str) -> float:
        compared.append(1)
        return real_similarity(a, b)

    monkeypatch.setattr(clustering, "similarity", counted)
    groups = group_similar(questions(*texts), key, max_comparisons=5_000)
    assert max(keyed) <= clustering.MAX_KEY_CHARS  # only the start of each text is segmented
    assert len(compared) <= 5_000
    assert sum(len(g.questions) for g in groups) == 500  # nothing dropped
