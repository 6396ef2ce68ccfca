"""Conversation context: pure rules (expiry, what a follow-up means) and the agency rules end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ginbot.core import context
from ginbot.core.context import CONTEXT_TTL, Context
from ginbot.core.understanding import AgencyGuess, Understood
from ginbot.db import queries
from ginbot.db.session import Database
from tests.core.conftest import Chat

NOW = datetime(2020, 7, 3, 3, 0, tzinfo=UTC)
RD = AgencyGuess("rd", "กรมสรรพากร", 1.0)


def _u(text: str, intent: str, **kw) -> Understood:  # type: ignore[no-untyped-def]
    return Understood(text, intent, 0.9, **kw)


@pytest.mark.parametrize(
    ("age", "alive"),
    [(timedelta(0), True), (CONTEXT_TTL, True), (CONTEXT_TTL + timedelta(seconds=1), False), (-timedelta(minutes=1), False)],
)
def test_context_expires_after_the_pause(age: timedelta, alive: bool) -> None:
    stored = Context("migration_date", NOW - age, agency="rd").to_json()
    assert (context.current(stored, NOW) is not None) is alive


def test_a_broken_stored_context_is_no_context() -> None:
    for stored in (None, {}, {"intent": "x"}, {"intent": "x", "at": "yesterday"}, {"answer_id": 5}):
        assert context.current(stored, NOW) is None


@pytest.mark.parametrize(
    ("previous", "said", "meant"),
    [
        ("last_v8_day", _u("แล้วกรมศุลกากรล่ะ", "set_agency", agency=RD), "last_v8_day"),
        ("which_cohort", _u("กรมสรรพากร", "set_agency", agency=RD), "which_cohort"),
        ("migration_date", _u("ผมอยู่กรมสรรพากรครับ", "set_agency", agency=RD), "set_agency"),
        ("migration_date", _u("เปลี่ยนหน่วยงานเป็นกรมสรรพากร", "set_agency", agency=RD), "set_agency"),
        ("cohort_agencies", _u("แล้วกรมสรรพากรล่ะ", "set_agency", agency=RD), "which_cohort"),
        ("migration_date", _u("แล้วกลุ่ม 3 ล่ะ", "cohort_agencies", cohort=3), "migration_date"),
        ("cohort_agencies", _u("แล้วกลุ่ม 3 ล่ะ", "cohort_agencies", cohort=3), "cohort_agencies"),
        ("install_v9", _u("แล้ว mac ล่ะ", "fallback", platform="macos"), "install_v9"),
        ("uninstall_v8", _u("แล้ว mac ล่ะ", "fallback", platform="macos"), "fallback"),
        ("download", _u("แล้วกรมศุลกากรล่ะ", "set_agency", agency=RD), "set_agency"),
        ("install_v9", _u("ถอน v8 บน mac ยังไง", "uninstall_v8", platform="macos"), "uninstall_v8"),
        ("last_v8_day", Understood("แล้วกรมศุลกากรล่ะ", "migration_date", 0.4, agency=RD), "last_v8_day"),
        ("last_v8_day", _u("กรมศุลกากรย้ายวันไหน", "migration_date", agency=RD), "migration_date"),
    ],
)  # fmt: skip
def test_what_a_follow_up_means(previous: str, said: Understood, meant: str) -> None:
    assert context.follow_up(said, Context(previous, NOW)).intent == meant


def test_the_subject_yields_to_mine_and_to_a_named_agency() -> None:
    ctx = Context("migration_date", NOW, agency="rd")
    assert context.subject_agency(_u("v8 ใช้ได้ถึงวันไหน", "last_v8_day"), ctx) == "rd"
    assert context.subject_agency(_u("หน่วยงานของผม v8 ใช้ได้ถึงวันไหน", "last_v8_day"), ctx) is None
    assert context.subject_agency(_u("กรมสรรพากร v8 ถึงวันไหน", "last_v8_day", agency=RD), ctx) is None
    assert context.subject_agency(_u("v8 ใช้ได้ถึงวันไหน", "last_v8_day"), Context("download", NOW)) is None


def test_small_talk_keeps_the_topic_and_another_question_ends_it() -> None:
    ctx = Context("migration_date", NOW, agency="rd", not_mine=("rid",))
    later = NOW + timedelta(minutes=2)
    kept = context.after_answer(ctx, "thanks", later)
    assert kept == Context("migration_date", later, agency="rd", not_mine=("rid",))
    ended = context.after_answer(ctx, "download", later)
    assert ended is not None and ended.agency is None and ended.not_mine == ("rid",)


# --- end to end with the real NLU -------------------------------------------------------------------------


async def _saved_agency(db: Database, user: str = "U1") -> str | None:
    async with db.session() as s:
        found = await queries.find_user(s, "line", user)
        return found.agency_id if found else None


async def test_choosing_among_similar_names_answers_but_does_not_save(chat: Chat, seeded_sqlite: Database) -> None:
    answer = await chat.say("กรมการแพทย์ย้ายวันไหน")
    if "ท่านหมายถึงหน่วยงานใด" in answer:  # the matcher may also be sure; both must not save
        answer = await chat.say(chat.button_texts[0])
    assert "ย้ายไปใช้ GIN Conference v9" in answer and "ใช่ไหมคะ" in answer
    assert await _saved_agency(seeded_sqlite) is None


async def test_saying_where_one_works_after_a_question_saves_it(chat: Chat, seeded_sqlite: Database) -> None:
    await chat.say("กรมสรรพากรย้ายวันไหน")
    answer = await chat.say("ไม่ใช่ค่ะ ดิฉันอยู่กรมศุลกากร")
    assert "บันทึกหน่วยงานของท่านแล้วค่ะ: กรมศุลกากร" in answer
    assert await _saved_agency(seeded_sqlite) == "customs"


async def test_yes_saves_the_agency_asked_about(chat: Chat, seeded_sqlite: Database) -> None:
    await chat.say("กรมชลประทาน v8 ใช้ได้ถึงวันไหน")
    assert await _saved_agency(seeded_sqlite) is None
    assert "บันทึกหน่วยงานของท่านแล้วค่ะ: กรมชลประทาน" in await chat.say("ใช่ครับ")
    assert await _saved_agency(seeded_sqlite) == "rid"


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("แล้วกรมศุลกากรล่ะคะ", True), ("กรมศุลกากร", True), ("What about the Customs Department?", True),
        ("and customs?", True), ("แล้วกรมศุลกากรติดตั้งยังไง", False), ("กรมสรรพากรย้ายวันไหน", False),
        ("แล้ว v8 ล่ะ", False),
    ],
)  # fmt: skip
def test_a_message_that_only_names_another_agency(text: str, alone: bool) -> None:
    names = ["กรมศุลกากร", "The Customs Department", "Customs Department", "ศุลกากร", "customs"]
    assert context.only_names(text, names) is alone


def test_a_carried_question_drops_the_topic_the_few_words_matched() -> None:
    from ginbot.core.understanding import TopicAnswer

    said = _u("แล้ว mac ล่ะ", "fallback", platform="macos", topic=TopicAnswer("share_screen", "แชร์หน้าจอ", "…"))
    meant = context.follow_up(said, Context("install_v9", NOW, platform="windows"))
    assert meant.intent == "install_v9" and meant.topic is None
