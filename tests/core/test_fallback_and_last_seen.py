"""The fallback's "did you mean" buttons, and "last seen" written at most once a minute."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.intents import INTENTS
from ginbot.core.messages import Channel, IncomingMessage
from ginbot.core.understanding import Understood
from ginbot.db.models import ChatUser
from ginbot.db.session import Database


@dataclass
class Scripted:
    """Understands every text the same way: the test decides what the classifier "ranked"."""

    understood: Understood

    def understand(self, text: str) -> Understood:
        return replace(self.understood, text=text)


@dataclass(frozen=True)
class ManualClock(Clock):
    """A clock the test moves by hand (the last value of ``times`` is now)."""

    times: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.times[-1]


FALLBACK = Understood(
    text="",
    intent="fallback",
    confidence=0.31,
    alternatives=("greet", "install_v9", "migration_date", "thanks", "download", "schedule"),
)


def labels(replies: list) -> list[str]:  # type: ignore[type-arg]
    return [q.label for r in replies for q in r.quick_replies]


async def test_fallback_offers_the_next_best_intents_as_buttons(
    seeded_sqlite: Database, content: Content
) -> None:
    bot = Bot(seeded_sqlite, Scripted(FALLBACK), content, Clock(date(2020, 7, 3)))
    replies = await bot.handle(IncomingMessage(Channel.LINE, "U1", "ลงโปรแกรมใหม่ยังไงนะ"))
    # Small talk is skipped, at most three guesses in the classifier's order, then the way to a person.
    offered = [INTENTS.suggestion(i) for i in ("install_v9", "migration_date", "download")]
    assert all(offered)
    buttons = [q for r in replies for q in r.quick_replies]
    assert buttons[:3] == offered
    assert [q.label for q in buttons[3:]] == ["ติดต่อเจ้าหน้าที่"]


async def test_fallback_without_useful_guesses_offers_only_staff(seeded_sqlite: Database, content: Content) -> None:
    lost = replace(FALLBACK, alternatives=("greet", "thanks"))
    bot = Bot(seeded_sqlite, Scripted(lost), content, Clock(date(2020, 7, 3)))
    replies = await bot.handle(IncomingMessage(Channel.LINE, "U1", "อากาศวันนี้เป็นไง"))
    assert labels(replies) == ["ติดต่อเจ้าหน้าที่"]


async def _last_seen(db: Database) -> datetime:
    async with db.session() as session:
        seen = await session.scalar(select(ChatUser.last_seen_at))
    assert seen is not None
    return seen.replace(tzinfo=UTC) if seen.tzinfo is None else seen


async def test_last_seen_is_written_at_most_once_a_minute(seeded_sqlite: Database, content: Content) -> None:
    # An hour ahead of the real time at which the person's row is created.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    clock = ManualClock(start.date(), times=[start])
    bot = Bot(seeded_sqlite, Scripted(FALLBACK), content, clock)

    async def say(at: datetime) -> None:
        clock.times.append(at)
        await bot.handle(IncomingMessage(Channel.LINE, "U1", "สวัสดี"))

    await say(start)
    assert await _last_seen(seeded_sqlite) == start
    await say(start + timedelta(seconds=30))  # a quick follow-up: not worth a write
    await say(start + timedelta(seconds=59))
    assert await _last_seen(seeded_sqlite) == start
    await say(start + timedelta(minutes=2))
    assert await _last_seen(seeded_sqlite) == start + timedelta(minutes=2)
