"""Delivery fixtures: the official cohorts and agencies imported, and people created directly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select

from ginbot.db.csv_import import import_file
from ginbot.db.models import Agency, ChatUser
from ginbot.db.session import Database
from tests.conftest import ROOT


async def seed_campaign(db: Database) -> None:
    async with db.session() as session:
        await import_file(session, "cohorts", ROOT / "data" / "cohorts.csv")
    async with db.session() as session:
        await import_file(session, "agencies", ROOT / "data" / "agencies.csv")


@dataclass(frozen=True)
class Person:
    channel: str
    platform_user_id: str
    agency_id: str | None
    subscribed: bool = True
    blocked: bool = False
    language: str | None = None


async def add_people(db: Database, people: Iterable[Person]) -> None:
    rows = [
        {
            "channel": p.channel,
            "platform_user_id": p.platform_user_id,
            "agency_id": p.agency_id,
            "subscribed": p.subscribed,
            "blocked": p.blocked,
            "language": p.language,
        }
        for p in people
    ]
    async with db.session() as session:
        for i in range(0, len(rows), 5000):
            await session.execute(insert(ChatUser), rows[i : i + 5000])


async def agencies_by_cohort(db: Database) -> dict[int, list[str]]:
    async with db.session() as session:
        rows = (await session.execute(select(Agency.cohort, Agency.id).order_by(Agency.id))).all()
    out: dict[int, list[str]] = {}
    for cohort, agency_id in rows:
        out.setdefault(cohort, []).append(agency_id)
    return out


def line_id(n: int) -> str:
    # LINE user ids look like "U" + 32 hex digits.
    return f"U{n:032x}"


def telegram_id(n: int) -> str:
    return str(100_000 + n)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # PTB 22 warns on every RetryAfter that retry_after will become a timedelta; the sender handles both.
    for item in items:
        if "tests/delivery/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"))


@pytest.fixture
async def campaign(db: Database) -> Database:
    await seed_campaign(db)
    return db


# --- platform stubs and a fast sender -------------------------------------------------------------------

from collections.abc import AsyncIterator  # noqa: E402

from ginbot.delivery.sender import Sender, SenderConfig  # noqa: E402
from ginbot.delivery.transports import LineSdkTransport, TelegramBotTransport  # noqa: E402
from ginbot.testing.line_stub import LineStub  # noqa: E402
from ginbot.testing.telegram_stub import TelegramStub  # noqa: E402

TELEGRAM_TOKEN = "123456:TEST-token"
LINE_TOKEN = "line-token"


@dataclass
class Platforms:
    line: LineStub
    telegram: TelegramStub
    line_transport: LineSdkTransport
    telegram_transport: TelegramBotTransport


@pytest.fixture
async def platforms() -> AsyncIterator[Platforms]:
    line, telegram = await LineStub(LINE_TOKEN).start(), await TelegramStub(TELEGRAM_TOKEN).start()
    lt = LineSdkTransport(LINE_TOKEN, line.url, timeout_s=5)
    tt = TelegramBotTransport(TELEGRAM_TOKEN, f"{telegram.url}/bot", timeout_s=5, pool_size=8)
    await tt.start()
    yield Platforms(line, telegram, lt, tt)
    await lt.close()
    await tt.close()
    await line.close()
    await telegram.close()


FAST = SenderConfig(
    batch_size=20,
    concurrency=8,
    max_attempts=3,
    lease_s=30,
    backoff_base_s=0.02,
    backoff_max_s=0.05,
    idle_poll_s=0.05,
    send_timeout_s=5,
    telegram_rate_per_s=1000,
    telegram_per_chat_interval_s=0,
    line_requests_per_s=1000,
)


def sender_for(db: Database, p: Platforms, **changes: object) -> Sender:
    from dataclasses import replace

    return Sender(db, line=p.line_transport, telegram=p.telegram_transport, config=replace(FAST, **changes))  # type: ignore[arg-type]
