"""Check-ins on both databases, with pinned dates: cohort 1 moves on 1 July 2563 (2020-07-01), cohort 2
on 7 July. The question goes out at 09:00 Bangkok through the outbox, with its three buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from ginbot.core.content import Content
from ginbot.db import readiness
from ginbot.db.models import Broadcast, ChatUser, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.checkins import CheckinMessage
from ginbot.delivery.planner import plan_once
from ginbot.delivery.policy import load_checkin_policy
from tests.conftest import ROOT
from tests.delivery.conftest import (
    Person,
    Platforms,
    add_people,
    agencies_by_cohort,
    line_id,
    sender_for,
    telegram_id,
)

CONTENT = Content.load(ROOT / "data" / "answers.yml")
CHECKINS = (
    load_checkin_policy(ROOT / "data" / "checkins.yml"),
    CheckinMessage.from_content(CONTENT),
)
QUESTION = "AcuConference 9 ใช้งานได้แล้วหรือยังคะ?"


def bkk(m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2020, m, d, h - 7, mi, tzinfo=UTC)


async def plan(db: Database, now: datetime) -> int:
    result = await plan_once(db, None, now, 0, CHECKINS)
    assert result.checkins is not None
    return result.checkins.queued


async def asked(db: Database) -> dict[str, list[str]]:
    """platform user id -> the check-in keys they were queued, oldest first."""
    async with db.session() as session:
        rows = await session.execute(
            select(ChatUser.platform_user_id, Broadcast.dedupe_key)
            .join(OutboxRow, OutboxRow.user_id == ChatUser.id)
            .join(Broadcast, Broadcast.id == OutboxRow.broadcast_id)
            .where(Broadcast.kind == "checkin")
            .order_by(OutboxRow.id)
        )
    out: dict[str, list[str]] = {}
    for person, key in rows.all():
        out.setdefault(person, []).append(str(key).rsplit(":", 2)[0])
    return out


async def report(db: Database, person: str, status: str, at: datetime) -> None:
    async with db.session() as session:
        user_id = await session.scalar(select(ChatUser.id).where(ChatUser.platform_user_id == person))
        assert user_id is not None
        await readiness.record(session, user_id, status, "text", at)


async def two_cohorts(db: Database) -> None:
    cohorts = await agencies_by_cohort(db)
    await add_people(
        db,
        [
            Person("line", line_id(1), cohorts[1][0]),
            Person("telegram", telegram_id(2), cohorts[1][1]),
            Person("line", line_id(3), cohorts[2][0]),
            Person("telegram", telegram_id(4), cohorts[2][1]),
            Person("line", line_id(5), cohorts[1][0], subscribed=False),
            Person("web", "web-6", cohorts[1][0]),  # not reachable by push
        ],
    )


async def test_cohort_1_is_asked_on_1_july_2563_at_0900_bangkok(campaign: Database, platforms: Platforms) -> None:
    await two_cohorts(campaign)
    assert await plan(campaign, bkk(7, 1, 8, 59)) == 0
    assert await plan(campaign, bkk(7, 1, 9, 0)) == 2
    assert await asked(campaign) == {line_id(1): ["checkin:day0"], telegram_id(2): ["checkin:day0"]}
    assert await plan(campaign, bkk(7, 1, 9, 1)) == 0  # planning again adds nothing

    await sender_for(campaign, platforms).drain()
    labels = ["ใช้ได้แล้ว", "ยังมีปัญหา", "ยังไม่ได้ติดตั้ง"]
    assert platforms.line.texts_to(line_id(1)) == [QUESTION] and sum(platforms.line.delivered.values()) == 1
    line_buttons = [
        [item["action"]["label"] for item in (m.get("quickReply") or {}).get("items", [])]
        for m in platforms.line.messages("multicast") + platforms.line.messages("push")  # one recipient: a push
    ]
    assert line_buttons == [labels]  # LINE quick replies
    assert platforms.telegram.texts_to(telegram_id(2)) == [QUESTION]
    assert sum(platforms.telegram.delivered.values()) == 1
    (sent,) = platforms.telegram.sent_messages(telegram_id(2))
    markup = sent["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert [b["text"] for row in markup["inline_keyboard"] for b in row] == labels  # Telegram inline keyboard

    # Cohort 2's turn comes on 7 July (and cohort 1, silent since, gets its day-3 round, missed on the 4th).
    assert await plan(campaign, bkk(7, 7, 9, 0)) == 4
    got = await asked(campaign)
    assert got[line_id(3)] == got[telegram_id(4)] == ["checkin:day0"]
    assert got[line_id(1)] == got[telegram_id(2)] == ["checkin:day0", "checkin:day3"]


async def test_the_second_round_reaches_only_those_who_have_not_answered(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    await report(campaign, line_id(1), "problem", bkk(7, 2, 10))
    assert await plan(campaign, bkk(7, 4, 8, 59)) == 0
    assert await plan(campaign, bkk(7, 4, 9, 0)) == 1
    assert (await asked(campaign))[telegram_id(2)] == ["checkin:day0", "checkin:day3"]
    assert (await asked(campaign))[line_id(1)] == ["checkin:day0"]


async def test_someone_who_answered_before_migration_day_is_not_asked(campaign: Database) -> None:
    await two_cohorts(campaign)
    await report(campaign, line_id(1), "ready", bkk(6, 28, 15))
    await plan(campaign, bkk(7, 1, 9, 0))
    assert set(await asked(campaign)) == {telegram_id(2)}


async def test_a_late_subscriber_is_asked_at_once_and_the_rounds_keep_their_spacing(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    await plan(campaign, bkk(7, 4, 9, 0))  # the others' day-3 round
    cohorts = await agencies_by_cohort(campaign)
    await add_people(campaign, [Person("line", line_id(7), cohorts[1][2])])
    # Subscribed on 5 July at 22:10 (after both rounds' moments): asked at the next planner pass, once.
    assert await plan(campaign, bkk(7, 5, 22, 10)) == 1
    assert (await asked(campaign))[line_id(7)] == ["checkin:day0"]
    await plan(campaign, bkk(7, 8, 8, 59))  # (cohort 2's first round went out on the 7th meanwhile)
    assert (await asked(campaign))[line_id(7)] == ["checkin:day0"]
    assert await plan(campaign, bkk(7, 8, 9, 0)) == 1  # three days later, at 09:00
    assert (await asked(campaign))[line_id(7)] == ["checkin:day0", "checkin:day3"]


async def test_a_moment_missed_while_ginbot_was_down_is_sent_at_the_next_run(campaign: Database) -> None:
    await two_cohorts(campaign)
    # ginbot was down from 30 June to 2 July 14:00: the day-0 question still goes (no grace window here).
    assert await plan(campaign, bkk(7, 2, 14, 0)) == 2


async def test_not_installed_is_nudged_once_two_days_later(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    await report(campaign, line_id(1), "not_installed", bkk(7, 1, 10, 30))
    assert await plan(campaign, bkk(7, 2, 9, 0)) == 0
    assert await plan(campaign, bkk(7, 3, 8, 59)) == 0
    assert await plan(campaign, bkk(7, 3, 9, 0)) == 1
    assert (await asked(campaign))[line_id(1)] == ["checkin:day0", "checkin:nudge"]
    await plan(campaign, bkk(7, 5, 9, 0))
    # Asked since that answer: no second nudge (the other person got the day-3 round meanwhile).
    assert (await asked(campaign))[line_id(1)] == ["checkin:day0", "checkin:nudge"]
    # A new "not installed" answer earns a new nudge two days later.
    await report(campaign, line_id(1), "not_installed", bkk(7, 5, 11, 0))
    await plan(campaign, bkk(7, 6, 9, 0))
    assert (await asked(campaign))[line_id(1)] == ["checkin:day0", "checkin:nudge"]
    await plan(campaign, bkk(7, 7, 9, 0))
    assert (await asked(campaign))[line_id(1)] == ["checkin:day0", "checkin:nudge", "checkin:nudge"]


async def test_nothing_after_the_campaign_closes(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    cohort_1 = {line_id(1): ["checkin:day0"], telegram_id(2): ["checkin:day0"]}
    # campaign_days: 30 → cohort 1's last day of check-ins is 31 July; cohort 2's is 6 August.
    await plan(campaign, bkk(8, 1, 9, 0))
    got = await asked(campaign)
    assert {p: got[p] for p in cohort_1} == cohort_1  # no day-3 round, however late
    async with campaign.session() as session:
        statuses = (await session.execute(select(Broadcast.dedupe_key, Broadcast.status))).all()
    assert dict(statuses)["checkin:day0:1:2020-07-01"] == "fanned_out"
    assert dict(statuses)["checkin:day0:2:2020-07-07"] == "open"


async def test_each_person_is_nudged_on_their_own_answer_not_on_someone_elses_question(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    await report(campaign, line_id(1), "not_installed", bkk(7, 1, 10, 0))
    await report(campaign, telegram_id(2), "not_installed", bkk(7, 1, 11, 0))
    # Someone else subscribes late and is asked after both answers: that must not count as asking them.
    cohorts = await agencies_by_cohort(campaign)
    await add_people(campaign, [Person("line", line_id(7), cohorts[1][2])])
    assert await plan(campaign, bkk(7, 1, 15, 0)) == 1
    assert await plan(campaign, bkk(7, 3, 9, 0)) == 2
    got = await asked(campaign)
    assert got[line_id(1)] == got[telegram_id(2)] == ["checkin:day0", "checkin:nudge"]


async def test_people_who_write_in_english_are_asked_in_english_once(campaign: Database, platforms: Platforms) -> None:
    await two_cohorts(campaign)
    cohorts = await agencies_by_cohort(campaign)
    await add_people(campaign, [Person("telegram", telegram_id(8), cohorts[1][2], language="en")])
    assert await plan(campaign, bkk(7, 1, 9, 0)) == 3
    got = await asked(campaign)
    assert got[telegram_id(8)] == ["checkin:day0:1"]  # asked() cuts two fields: an English key ends ":…:en"
    assert got[line_id(1)] == got[telegram_id(2)] == ["checkin:day0"]

    await sender_for(campaign, platforms).drain()
    assert platforms.telegram.texts_to(telegram_id(8)) == ["Does AcuConference 9 work for you now?"]
    (sent,) = platforms.telegram.sent_messages(telegram_id(8))
    markup = sent["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert [b["text"] for row in markup["inline_keyboard"] for b in row] == [
        "It works now", "Still a problem", "Not installed yet",
    ]  # fmt: skip
    assert platforms.telegram.texts_to(telegram_id(2)) == [QUESTION]

    # The day-3 round follows each person in their language, and nobody gets both.
    await plan(campaign, bkk(7, 4, 9, 0))
    got = await asked(campaign)
    assert got[telegram_id(8)] == ["checkin:day0:1", "checkin:day3:1"]
    assert got[line_id(1)] == ["checkin:day0", "checkin:day3"]


async def test_no_english_check_in_is_opened_when_nobody_reads_english(campaign: Database) -> None:
    await two_cohorts(campaign)
    await plan(campaign, bkk(7, 1, 9, 0))
    async with campaign.session() as session:
        keys = (await session.scalars(select(Broadcast.dedupe_key).where(Broadcast.kind == "checkin"))).all()
    assert keys and not any(k.endswith(":en") for k in keys)
