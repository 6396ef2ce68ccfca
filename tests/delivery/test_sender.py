"""The sender against stub LINE and Telegram servers through the real SDKs."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from ginbot.core.messages import Reply
from ginbot.db.models import ChatUser, LineBatch, OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.broadcasts import report
from ginbot.delivery.outcomes import Outcome, SendError
from ginbot.delivery.planner import plan_once
from ginbot.delivery.sender import Sender
from ginbot.delivery.transports import LineSdkTransport
from ginbot.observability import metrics
from tests.delivery.conftest import (
    Person,
    Platforms,
    add_people,
    agencies_by_cohort,
    line_id,
    sender_for,
    telegram_id,
)


async def queue(db: Database, to: str, text: str = "ประกาศทดสอบ", channel: str | None = None) -> int:
    queued = await announce(db, to=to, text=text, channel=channel, created_by="test")
    await plan_once(db, None, datetime.now(UTC), 0)
    assert queued.broadcast_id is not None
    return queued.broadcast_id


async def settle(db: Database, sender: Sender, timeout_s: float = 20) -> None:
    """Run the sender until no row is queued or sending (retries wait out their backoff)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await sender.drain()
        async with db.session() as session:
            pending = await session.scalar(
                select(OutboxRow.id).where(OutboxRow.status.in_(["queued", "sending"])).limit(1)
            )
        if pending is None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("outbox did not settle")


async def row_of(db: Database, platform_user_id: str) -> OutboxRow:
    async with db.session() as session:
        row = await session.scalar(
            select(OutboxRow)
            .join(ChatUser, ChatUser.id == OutboxRow.user_id)
            .where(ChatUser.platform_user_id == platform_user_id)
        )
    assert row is not None
    return row


async def test_cohort_2_broadcast_reaches_exactly_cohort_2_on_both_channels(
    campaign: Database, platforms: Platforms
) -> None:
    cohorts = await agencies_by_cohort(campaign)
    people = [
        Person(
            "line" if n % 2 else "telegram",
            line_id(n) if n % 2 else telegram_id(n),
            cohorts[1 + n % 3][n % 7],
        )
        for n in range(1, 1201)
    ]
    people += [
        Person("line", line_id(5000), cohorts[2][0], blocked=True),
        Person("telegram", telegram_id(5001), None),
    ]
    await add_people(campaign, people)
    expected_line = {
        p.platform_user_id for p in people[:-2] if p.agency_id in cohorts[2] and p.channel == "line"
    }
    expected_tg = {
        p.platform_user_id for p in people[:-2] if p.agency_id in cohorts[2] and p.channel == "telegram"
    }

    broadcast_id = await queue(campaign, "cohort:2", "แจ้งกลุ่ม 2: ปิดปรับปรุงระบบคืนนี้")
    await settle(campaign, sender_for(campaign, platforms))

    assert set(platforms.line.delivered) == expected_line
    assert set(platforms.telegram.delivered) == expected_tg
    assert set(platforms.line.delivered.values()) == {1} and set(platforms.telegram.delivered.values()) == {1}
    assert all(platforms.telegram.texts_to(chat) == ["แจ้งกลุ่ม 2: ปิดปรับปรุงระบบคืนนี้"] for chat in expected_tg)
    assert len(platforms.line.calls("multicast")) == -(-len(expected_line) // 500)  # 500 ids per request
    assert None not in platforms.line.retry_keys()
    async with campaign.session() as session:
        rep = await report(session, broadcast_id)
    assert rep is not None
    assert (rep.sent, rep.failed, rep.blocked, rep.queued, rep.possibly_duplicated) == (
        len(expected_line) + len(expected_tg),
        0,
        0,
        0,
        0,
    )
    assert rep.done


async def test_channel_filter(sqlite_db: Database, platforms: Platforms) -> None:
    from tests.delivery.conftest import seed_campaign

    await seed_campaign(sqlite_db)
    await add_people(
        sqlite_db, [Person("line", line_id(1), "dga"), Person("telegram", telegram_id(2), "dga")]
    )
    await queue(sqlite_db, "agency:dga", channel="telegram")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert set(platforms.telegram.delivered) == {telegram_id(2)} and not platforms.line.delivered


async def one_of_each(db: Database, n: int = 5) -> None:
    from tests.delivery.conftest import seed_campaign

    await seed_campaign(db)
    await add_people(db, [Person("telegram", telegram_id(i), "dga") for i in range(n)])


async def test_telegram_429_retry_after_is_honoured(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db)
    platforms.telegram.fail("sendMessage", 429, retry_after=1)
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert set(platforms.telegram.delivered.values()) == {1} and len(platforms.telegram.delivered) == 5
    (rejected,) = platforms.telegram.calls("sendMessage", accepted=False)
    assert rejected.status == 429
    rejected_at, sent_at = rejected.received_at, platforms.telegram.sent_times()
    # Nothing was sent during the pause Telegram asked for, except requests already on the wire (≤ 0.1 s).
    assert all(not (rejected_at + 0.1 < t < rejected_at + 1.0) for t in sent_at)
    assert any(t >= rejected_at + 1.0 for t in sent_at)


async def test_telegram_5xx_retried_then_dead_lettered(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db)
    platforms.telegram.fail("sendMessage", 500, to=telegram_id(1))  # recovers on the 2nd attempt
    platforms.telegram.fail("sendMessage", 500, to=telegram_id(2), times=5)  # never recovers
    broadcast_id = await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms, max_attempts=3))

    assert platforms.telegram.delivered[telegram_id(1)] == 1
    assert telegram_id(2) not in platforms.telegram.delivered
    dead = await row_of(sqlite_db, telegram_id(2))
    assert (dead.status, dead.attempts) == ("failed", 3)
    assert "Internal Server Error" in (dead.last_error or "")
    async with sqlite_db.session() as session:
        rep = await report(session, broadcast_id)
    assert rep is not None and (rep.sent, rep.failed) == (4, 1)


async def test_telegram_403_marks_the_person_blocked(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db)
    platforms.telegram.fail("sendMessage", 403, to=telegram_id(3))
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    row = await row_of(sqlite_db, telegram_id(3))
    assert (row.status, row.attempts) == ("blocked", 1)
    async with sqlite_db.session() as session:
        assert await session.scalar(
            select(ChatUser.blocked).where(ChatUser.platform_user_id == telegram_id(3))
        )
    # The next broadcast does not even try.
    requests_before = len(platforms.telegram.calls("sendMessage"))
    await queue(sqlite_db, "all", "ประกาศที่สอง")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert len(platforms.telegram.calls("sendMessage")) - requests_before == 4


async def test_telegram_400_is_dead_at_once(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db)
    platforms.telegram.fail("sendMessage", 400, to=telegram_id(0), description="Bad Request: chat not found")
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    row = await row_of(sqlite_db, telegram_id(0))
    assert (row.status, row.attempts) == ("failed", 1)
    assert [r.status for r in platforms.telegram.calls("sendMessage", accepted=False)] == [400]


async def test_telegram_one_message_per_second_per_chat(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db, n=2)
    for i in range(3):
        await queue(sqlite_db, "all", f"ประกาศ {i}")
    await settle(sqlite_db, sender_for(sqlite_db, platforms, telegram_per_chat_interval_s=0.5))
    for chat in (telegram_id(0), telegram_id(1)):
        times = platforms.telegram.sent_times(chat)
        assert len(times) == 3
        assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))


async def line_people(db: Database, n: int) -> None:
    from tests.delivery.conftest import seed_campaign

    await seed_campaign(db)
    await add_people(db, [Person("line", line_id(i), "dga") for i in range(n)])


async def test_line_retry_reuses_the_key_after_a_5xx(sqlite_db: Database, platforms: Platforms) -> None:
    await line_people(sqlite_db, 3)
    platforms.line.fail("multicast", 500)
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    keys = platforms.line.retry_keys()
    assert len(keys) == 2 and keys[0] == keys[1]
    assert set(platforms.line.delivered.values()) == {1} and len(platforms.line.delivered) == 3


class LostResponse:
    """LINE accepted the request but the answer never arrived (a timeout): the sender must retry."""

    def __init__(self, real: LineSdkTransport) -> None:
        self.real = real
        self.lost = 1

    async def send(self, recipients: Sequence[str], reply: Reply, retry_key: str) -> None:
        await self.real.send(recipients, reply, retry_key)
        if self.lost:
            self.lost -= 1
            raise SendError(Outcome.RETRY, "timed out")

    async def close(self) -> None:
        pass


async def test_line_lost_response_is_not_sent_twice(sqlite_db: Database, platforms: Platforms) -> None:
    await line_people(sqlite_db, 3)
    broadcast_id = await queue(sqlite_db, "all")
    sender = sender_for(sqlite_db, platforms)
    sender.line = LostResponse(platforms.line_transport)
    await settle(sqlite_db, sender)
    assert platforms.line.conflicts == 1  # the retry met LINE's 409 …
    assert set(platforms.line.delivered.values()) == {1}  # … so nobody got it twice
    async with sqlite_db.session() as session:
        rep = await report(session, broadcast_id)
        batch = await session.scalar(select(LineBatch))
    assert rep is not None and rep.sent == 3
    assert batch is not None and batch.status == "sent"


async def test_line_monthly_quota_is_not_retried(sqlite_db: Database, platforms: Platforms) -> None:
    await line_people(sqlite_db, 2)
    platforms.line.fail("multicast", 429, body={"message": "You have reached your monthly limit."})
    broadcast_id = await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert len(platforms.line.calls()) == 1
    async with sqlite_db.session() as session:
        rep = await report(session, broadcast_id)
    assert rep is not None and rep.failed == 2


async def test_unsubscribed_after_fan_out_is_skipped(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db, n=2)
    broadcast_id = await queue(sqlite_db, "all")
    async with sqlite_db.session() as session:
        user = await session.scalar(select(ChatUser).where(ChatUser.platform_user_id == telegram_id(0)))
        assert user is not None
        user.subscribed = False
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert set(platforms.telegram.delivered) == {telegram_id(1)}
    async with sqlite_db.session() as session:
        rep = await report(session, broadcast_id)
    assert rep is not None and (rep.sent, rep.skipped) == (1, 1)


async def test_telegram_error_json_without_parameters(sqlite_db: Database, platforms: Platforms) -> None:
    await one_of_each(sqlite_db, n=1)
    platforms.telegram.fail(
        "sendMessage", 502, body={"ok": False, "error_code": 502, "description": "Bad Gateway"}
    )
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert platforms.telegram.delivered[telegram_id(0)] == 1


async def test_the_deliveries_counter_tells_what_happened_to_each_recipient(
    sqlite_db: Database, platforms: Platforms
) -> None:
    """ginbot_deliveries_total per recipient: a LINE multicast counts every person in it."""
    await one_of_each(sqlite_db)  # five on Telegram
    await add_people(sqlite_db, [Person("line", line_id(i), "dga") for i in range(4)])
    platforms.telegram.fail("sendMessage", 500, to=telegram_id(1))  # sent on the second attempt
    platforms.telegram.fail("sendMessage", 403, to=telegram_id(3))
    platforms.line.fail("multicast", 500)  # the multicast, once

    def counts() -> dict[tuple[str, str], float]:
        return {
            (channel, outcome): metrics.sample("ginbot_deliveries_total", channel=channel, outcome=outcome)
            for channel in ("line", "telegram")
            for outcome in ("sent", "failed", "blocked", "retried")
        }

    before = counts()
    await queue(sqlite_db, "all")
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    after = counts()

    moved = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    assert moved == {
        ("telegram", "sent"): 4,
        ("telegram", "retried"): 1,
        ("telegram", "blocked"): 1,
        ("line", "sent"): 4,
        ("line", "retried"): 4,
    }
