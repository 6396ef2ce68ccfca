"""Not confirmed ready: the ``notready:`` broadcast targets and install reminders that skip the ready.

Cohort 1 (v8 until 30 June 2563, v9 from 1 July) and cohort 2 (7 July); dates pinned."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import Channel, IncomingMessage
from ginbot.core.understanding import NluUnderstanding
from ginbot.db import readiness
from ginbot.db.models import Broadcast, ChatUser, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.broadcasts import fan_out
from ginbot.delivery.planner import plan_once
from ginbot.delivery.policy import load_policy
from ginbot.delivery.targets import Target, TargetError, parse_target
from ginbot.nlu.engine import Nlu
from tests.conftest import ROOT
from tests.delivery.conftest import Person, add_people, agencies_by_cohort, line_id, telegram_id

REMINDERS = load_policy(ROOT / "data" / "reminders.yml")


def bkk(m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2020, m, d, h - 7, mi, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("notready:cohort:1", Target("notready", "cohort:1")),
        ("NotReady: cohort:01", Target("notready", "cohort:1")),
        ("notready:agency:TMD", Target("notready", "agency:tmd")),
    ],
)
def test_parse_notready_targets(spec: str, expected: Target) -> None:
    assert parse_target(spec) == expected
    assert str(parse_target(spec)) == str(expected)


@pytest.mark.parametrize("spec", ["notready", "notready:cohort:x", "notready:all", "notready:notready:cohort:1"])
def test_bad_notready_targets_are_refused(spec: str) -> None:
    with pytest.raises(TargetError):
        parse_target(spec)


async def statuses_everywhere(db: Database) -> dict[str, str]:
    """Cohort 1: one person per status and one who never answered; cohort 2: one ready, one not."""
    cohorts = await agencies_by_cohort(db)
    c1, c2 = cohorts[1][0], cohorts[2][0]
    people = {
        line_id(1): (c1, "ready"),
        telegram_id(2): (c1, "problem"),
        line_id(3): (c1, "not_installed"),
        telegram_id(4): (c1, None),
        line_id(5): (c2, "ready"),
        telegram_id(6): (c2, None),
    }
    await add_people(db, [Person("line" if p.startswith("U") else "telegram", p, a) for p, (a, _) in people.items()])
    async with db.session() as session:
        for person, (_agency, status) in people.items():
            if status is not None:
                user_id = await session.scalar(select(ChatUser.id).where(ChatUser.platform_user_id == person))
                assert user_id is not None
                await readiness.record(session, user_id, status, "button", bkk(7, 1, 10))
    return {p: a for p, (a, _s) in people.items()}


async def reached(db: Database, broadcast_id: int) -> set[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ChatUser.platform_user_id)
            .join(OutboxRow, OutboxRow.user_id == ChatUser.id)
            .where(OutboxRow.broadcast_id == broadcast_id)
        )
        return set(rows.all())


async def test_a_nudge_to_notready_cohort_1_reaches_exactly_those_not_confirmed_ready(campaign: Database) -> None:
    await statuses_everywhere(campaign)
    dry = await announce(campaign, to="notready:cohort:1", text="ทดสอบ", created_by="cli", dry_run=True)
    assert dry.recipients == 3 and dry.broadcast_id is None
    sent = await announce(
        campaign, to="notready:cohort:1", text="กรุณาติดตั้ง v9", created_by="cli", send_at=bkk(7, 2, 9), now=bkk(7, 2, 8)
    )
    assert sent.broadcast_id is not None
    await fan_out(campaign, sent.broadcast_id, bkk(7, 2, 9))
    assert await reached(campaign, sent.broadcast_id) == {telegram_id(2), line_id(3), telegram_id(4)}


async def test_notready_agency(campaign: Database) -> None:
    agencies = await statuses_everywhere(campaign)
    sent = await announce(campaign, to=f"notready:agency:{agencies[telegram_id(6)]}", text="ทดสอบ", created_by="cli")
    assert sent.broadcast_id is not None
    await fan_out(campaign, sent.broadcast_id, datetime.now(UTC))
    assert await reached(campaign, sent.broadcast_id) == {telegram_id(6)}
    with pytest.raises(TargetError):
        await announce(campaign, to="notready:agency:no-such-agency", text="ทดสอบ", created_by="cli")


async def _reminder_recipients(db: Database, rule: str) -> set[str]:
    async with db.session() as session:
        ids = (await session.scalars(select(Broadcast.id).where(Broadcast.dedupe_key.like(f"reminder:{rule}:%")))).all()
    found: set[str] = set()
    for broadcast_id in ids:
        found |= await reached(db, broadcast_id)
    return found


async def test_someone_who_said_installed_gets_no_more_install_reminders(
    campaign: Database, nlu: Nlu, content: Content
) -> None:
    cohorts = await agencies_by_cohort(campaign)
    meteo = "tmd" if "tmd" in cohorts[1] else cohorts[1][0]
    await add_people(campaign, [Person("line", line_id(1), meteo), Person("line", line_id(2), meteo)])
    bot = Bot(campaign, NluUnderstanding(nlu), content, Clock(date(2020, 6, 22)))
    answer = await bot.handle(IncomingMessage(Channel.LINE, line_id(1), "ติดตั้ง v9 แล้ว"))
    assert "บันทึกแล้ว" in answer[0].text

    await plan_once(campaign, REMINDERS, bkk(6, 23, 9, 0), 6 * 3600)  # "7 days left": an install reminder
    assert await _reminder_recipients(campaign, "last-v8-7d") == {line_id(2)}
    await plan_once(campaign, REMINDERS, bkk(6, 27, 9, 0), 6 * 3600)
    assert await _reminder_recipients(campaign, "last-v8-3d") == {line_id(2)}
    # The cutoff notice on the last v8 day still reaches both.
    await plan_once(campaign, REMINDERS, bkk(6, 30, 9, 0), 6 * 3600)
    assert await _reminder_recipients(campaign, "last-v8-day") == {line_id(1), line_id(2)}
