"""The planner on both databases: reminders once per person and reminder, grace window, resumable fan-out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from ginbot.db.models import Broadcast, ChatUser, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.broadcasts import fan_out_chunk, report
from ginbot.delivery.planner import plan_once
from ginbot.delivery.policy import load_policy
from tests.conftest import ROOT
from tests.delivery.conftest import Person, add_people, agencies_by_cohort, line_id, telegram_id

POLICY = load_policy(ROOT / "data" / "reminders.yml")
GRACE_S = 6 * 3600


def bkk(m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2020, m, d, h - 7, mi, tzinfo=UTC)


async def people_everywhere(db: Database) -> dict[int, list[str]]:
    """Per cohort: 3 LINE and 3 Telegram subscribers on its first agencies, plus people who must be left out."""
    cohorts = await agencies_by_cohort(db)
    people, n = [], 0
    for _cohort, agencies in cohorts.items():
        for i in range(6):
            n += 1
            channel = "line" if i % 2 == 0 else "telegram"
            pid = line_id(n) if channel == "line" else telegram_id(n)
            people.append(Person(channel, pid, agencies[i % 3]))
    people += [
        Person("line", line_id(900), cohorts[2][0], subscribed=False),
        Person("telegram", telegram_id(901), cohorts[2][0], blocked=True),
        Person("web", "web-902", cohorts[2][0]),
        Person("telegram", telegram_id(903), None),  # subscribed, no agency yet: only "all" reaches them
    ]
    await add_people(db, people)
    return cohorts


async def outbox_snapshot(db: Database) -> list[tuple[int, int, str]]:
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxRow.broadcast_id, OutboxRow.user_id, OutboxRow.channel).order_by(OutboxRow.id)
        )
        return list(rows.all())


async def test_reminders_are_planned_once_per_person(campaign: Database) -> None:
    cohorts = await people_everywhere(campaign)
    now = bkk(7, 3, 9, 5)  # cohort 2's "3 days left" reminder is due (09:00), everything earlier is stale

    first = await plan_once(campaign, POLICY, now, GRACE_S)
    assert first.reminders_created == len(cohorts[2])
    # Cohort 1's five reminders and cohort 2's 7-day one passed long before: skipped, and counted.
    assert first.reminders_skipped == 5 * len(cohorts[1]) + len(cohorts[2])
    rows = await outbox_snapshot(campaign)
    async with campaign.session() as session:
        cohort2_users = set(
            (
                await session.scalars(
                    select(ChatUser.id).where(
                        ChatUser.agency_id.in_(cohorts[2]),
                        ChatUser.subscribed.is_(True),
                        ChatUser.blocked.is_(False),
                        ChatUser.channel.in_(["line", "telegram"]),
                    )
                )
            ).all()
        )
        texts = (await session.scalars(select(Broadcast.text).where(Broadcast.status != "skipped"))).all()
    assert sorted(u for _, u, _ in rows) == sorted(cohort2_users) and len(cohort2_users) == 6
    assert all("(อีก 3 วัน)" in t and "วันจันทร์ที่ 6 กรกฎาคม 2563" in t for t in texts)

    # Again, and from two planners at once: nothing new.
    second = await plan_once(campaign, POLICY, now, GRACE_S)
    other = Database(campaign.url)
    try:
        await asyncio.gather(
            plan_once(campaign, POLICY, now, GRACE_S), plan_once(other, POLICY, now, GRACE_S)
        )
    finally:
        await other.close()
    assert (second.reminders_created, second.reminders_skipped) == (0, 0)
    assert await outbox_snapshot(campaign) == rows


async def test_late_reminder_inside_grace_is_sent_outside_is_skipped(campaign: Database) -> None:
    cohorts = await people_everywhere(campaign)
    # ginbot was down from before 09:00 until 14:59 on 3 July: the reminder is late but within 6 h.
    late = await plan_once(campaign, POLICY, bkk(7, 3, 14, 59), GRACE_S)
    assert late.reminders_created == len(cohorts[2])
    # Down until 15:01 on 11 July instead: cohort 3's "3 days" reminder (09:00) is too stale to send.
    stale = await plan_once(campaign, POLICY, bkk(7, 11, 15, 1), GRACE_S)
    assert stale.reminders_created == 0
    async with campaign.session() as session:
        skipped = await session.scalar(
            select(func.count())
            .select_from(Broadcast)
            .where(
                Broadcast.dedupe_key.like("reminder:last-v8-3d:%"),
                # An install reminder targets notready:agency:ID (it skips people who said v9 works).
                Broadcast.target_value.in_([f"agency:{a}" for a in cohorts[3]]),
                Broadcast.status == "skipped",
            )
        )
    assert skipped == len(cohorts[3])


async def test_fan_out_resumes_after_a_crash_without_duplicates(campaign: Database) -> None:
    await people_everywhere(campaign)
    queued = await announce(campaign, to="all", text="ทดสอบประกาศ", created_by="test")
    now = datetime.now(UTC)
    assert queued.recipients == 3 * 6 + 1  # every cohort's subscribers and the one without an agency
    # A worker fans out one small chunk and dies before finishing.
    async with campaign.session() as session:
        assert await fan_out_chunk(session, queued.broadcast_id or 0, now, chunk=4)
    await plan_once(campaign, None, now, GRACE_S)
    await plan_once(campaign, None, now, GRACE_S)
    rows = await outbox_snapshot(campaign)
    assert len(rows) == len(set(rows)) == queued.recipients
    async with campaign.session() as session:
        rep = await report(session, queued.broadcast_id or 0)
    assert (
        rep is not None and rep.recipients == rep.queued == queued.recipients and rep.status == "fanned_out"
    )


async def test_people_who_write_in_english_get_the_english_reminder_once(campaign: Database) -> None:
    """A reminder written in both languages reaches each person once, in their language; an agency
    with nobody reading English gets no English copy."""
    cohorts = await agencies_by_cohort(campaign)
    rd_like, other = cohorts[2][0], cohorts[2][1]
    await add_people(
        campaign,
        [
            Person("line", line_id(1), rd_like, language="en"),
            Person("telegram", telegram_id(2), rd_like, language="th"),
            Person("line", line_id(3), rd_like),  # never said: Thai
            Person("telegram", telegram_id(4), other),
        ],
    )
    now = bkk(7, 3, 9, 5)  # cohort 2's "3 days left" reminder
    await plan_once(campaign, POLICY, now, GRACE_S)
    async with campaign.session() as session:
        sent = (
            await session.execute(
                select(ChatUser.platform_user_id, Broadcast.text, Broadcast.language)
                .join(OutboxRow, OutboxRow.user_id == ChatUser.id)
                .join(Broadcast, Broadcast.id == OutboxRow.broadcast_id)
            )
        ).all()
        english_copies = (
            await session.scalars(
                select(Broadcast.target_value).where(Broadcast.language == "en", Broadcast.status != "skipped")
            )
        ).all()
    by_person = {pid: (text, language) for pid, text, language in sent}
    assert len(sent) == len(by_person) == 4  # nobody twice
    text, language = by_person[line_id(1)]
    assert language == "en" and "Monday 6 July 2020" in text and "(3 days from now)" in text
    assert "stop reminders" in text and not any("\u0e01" <= ch <= "\u0e4e" for ch in text)
    for pid in (telegram_id(2), line_id(3), telegram_id(4)):
        assert "วันจันทร์ที่ 6 กรกฎาคม 2563" in by_person[pid][0]
    assert english_copies == [f"agency:{rd_like}"]  # an install reminder: notready:agency:ID
