"""The sender against the project's shared API stubs (ginbot.testing), through the real SDKs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.delivery.announce import announce
from ginbot.delivery.broadcasts import report
from ginbot.delivery.planner import plan_once
from ginbot.delivery.sender import Sender
from ginbot.delivery.transports import LineSdkTransport, TelegramBotTransport
from ginbot.testing.line_stub import LineStub
from ginbot.testing.telegram_stub import DEFAULT_TOKEN, TelegramStub
from tests.delivery.conftest import FAST, Person, add_people, agencies_by_cohort, line_id, telegram_id


async def test_cohort_2_at_the_shared_stubs_with_faults(campaign: Database) -> None:
    cohorts = await agencies_by_cohort(campaign)
    people = [Person("line", line_id(n), cohorts[1 + n % 3][0]) for n in range(30)]
    people += [Person("telegram", telegram_id(n), cohorts[1 + n % 3][1]) for n in range(30)]
    await add_people(campaign, people)
    in_cohort_2 = [p.platform_user_id for p in people if p.agency_id in cohorts[2]]
    blocked_chat = telegram_id(1)  # 1 % 3 == 1: cohort 2

    async with LineStub("line-token") as line, TelegramStub() as telegram:
        # LINE accepts the first multicast but the answer never arrives: the sender times out and retries.
        line.hang("multicast")
        telegram.fail("sendMessage", 429, retry_after=1)
        telegram.fail("sendMessage", 403, to=blocked_chat)
        line_t = LineSdkTransport("line-token", line.url, timeout_s=1)
        telegram_t = TelegramBotTransport(DEFAULT_TOKEN, telegram.api_base, timeout_s=5, pool_size=4)
        await telegram_t.start()
        sender = Sender(campaign, line=line_t, telegram=telegram_t, config=FAST)
        try:
            queued = await announce(campaign, to="cohort:2", text="ประกาศถึงกลุ่ม 2", created_by="test")
            await plan_once(campaign, None, datetime.now(UTC), 0)
            for _ in range(100):
                await sender.drain()
                async with campaign.session() as session:
                    rep = await report(session, queued.broadcast_id or 0)
                assert rep is not None
                if rep.queued + rep.sending == 0:
                    break
                await asyncio.sleep(0.1)
        finally:
            await line_t.close()
            await telegram_t.close()

        assert set(line.delivered) == {u for u in in_cohort_2 if u.startswith("U")}
        assert set(line.delivered.values()) == {1} and line.conflicts == 1
        assert set(telegram.delivered) == {u for u in in_cohort_2 if not u.startswith("U")} - {blocked_chat}
        assert set(telegram.delivered.values()) == {1}
    assert rep is not None
    assert (rep.sent, rep.blocked, rep.failed) == (len(in_cohort_2) - 1, 1, 0)
    async with campaign.session() as session:
        assert await session.scalar(select(ChatUser.blocked).where(ChatUser.platform_user_id == blocked_chat))
