"""Turns that arrive together share one transaction; nobody's answer depends on someone else's turn.

Bot.handle group-commits turns (ginbot/db/group_commit.py): these tests send many people's messages at
once, as a busy webhook does, and check what each person gets and what the database keeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import IncomingMessage
from ginbot.core.understanding import NluUnderstanding, Understood
from ginbot.db import queries
from ginbot.db.models import ChatUser, Cohort, MessageLog
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu


class BrokenOn(NluUnderstanding):
    """The real NLU, except that one text makes it fail (a bug hit by one person's message)."""

    def __init__(self, nlu: Nlu, poison: str) -> None:
        super().__init__(nlu)
        self.poison = poison

    def understand(self, text: str) -> Understood:
        if text == self.poison:
            raise RuntimeError("classifier bug")
        return super().understand(text)


def _bot(db: Database, understanding: NluUnderstanding, content: Content) -> Bot:
    return Bot(db, understanding, content, Clock(date(2020, 7, 3)))


async def _log_count(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(MessageLog)) or 0)


async def test_many_people_at_once_each_get_their_own_answer_in_few_transactions(
    db: Database, seeded: Database, nlu: Nlu, content: Content
) -> None:
    bot = _bot(db, NluUnderstanding(nlu), content)
    questions = {f"U{i}": q for i, q in enumerate(["กรมสรรพากรย้ายวันไหน", "กรมชลประทานย้ายวันไหน", "สพร.ย้ายวันไหน"] * 10)}

    answers = await asyncio.gather(
        *(bot.handle(IncomingMessage("line", user, text)) for user, text in questions.items())
    )

    expected = {"กรมสรรพากร": "7 กรกฎาคม 2563", "กรมชลประทาน": "15 กรกฎาคม 2563", "สพร.": "1 กรกฎาคม 2563"}
    for (_, text), replies in zip(questions.items(), answers, strict=True):
        agency = next(name for name in expected if text.startswith(name))
        assert expected[agency] in replies[0].text, (text, replies[0].text)
    assert bot.transactions < len(questions) / 2  # shared transactions, not one each
    assert await _log_count(db) == 30
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ChatUser)) == 30


async def test_one_persons_messages_sent_at_once_are_answered_in_order(
    db: Database, seeded: Database, nlu: Nlu, content: Content
) -> None:
    """The second message answers the question the first one asked back; it must see that question."""
    bot = _bot(db, NluUnderstanding(nlu), content)
    asked, answered = await asyncio.gather(
        bot.handle(IncomingMessage("line", "U1", "v8 ใช้ได้ถึงวันไหน")),
        bot.handle(IncomingMessage("line", "U1", "กรมสรรพากร")),
    )
    assert "หน่วยงานของท่านคือหน่วยงานใด" in asked[0].text
    assert "6 กรกฎาคม 2563" in "\n".join(r.text for r in answered)


async def test_a_turn_that_fails_costs_nobody_else_their_answer(
    db: Database, seeded: Database, nlu: Nlu, content: Content
) -> None:
    bot = _bot(db, BrokenOn(nlu, poison="ข้อความที่ทำให้พัง"), content)
    results = await asyncio.gather(
        bot.handle(IncomingMessage("line", "U1", "กรมสรรพากรย้ายวันไหน")),
        bot.handle(IncomingMessage("line", "U2", "ข้อความที่ทำให้พัง")),
        bot.handle(IncomingMessage("line", "U3", "กรมชลประทานย้ายวันไหน")),
        return_exceptions=True,
    )
    assert not isinstance(results[0], BaseException) and "7 กรกฎาคม 2563" in results[0][0].text
    assert isinstance(results[1], RuntimeError)
    assert not isinstance(results[2], BaseException) and "15 กรกฎาคม 2563" in results[2][0].text
    # The failed turn left nothing behind; the others were kept exactly once.
    async with db.session() as s:
        logged = (await s.scalars(select(MessageLog.text).order_by(MessageLog.id))).all()
        people = set((await s.scalars(select(ChatUser.platform_user_id))).all())
    assert sorted(logged) == sorted(["กรมสรรพากรย้ายวันไหน", "กรมชลประทานย้ายวันไหน"])
    assert people == {"U1", "U3"}


async def test_users_and_states_creates_newcomers_and_finds_the_known(db: Database, seeded: Database) -> None:
    async with db.session() as s:
        known = await queries.get_or_create_user(s, "line", "known")
        known.agency_id = "rd"
    async with db.session() as s:
        people = await queries.users_and_states(s, [("line", "known"), ("telegram", "42"), ("line", "known")])
        assert set(people) == {("line", "known"), ("telegram", "42")}
        user, state = people[("line", "known")]
        assert user.agency_id == "rd" and state.pending is None
        newcomer, _ = people[("telegram", "42")]
        assert newcomer.id is not None and not newcomer.subscribed
    async with db.session() as s:
        again = await queries.users_and_states(s, [("telegram", "42")])
        assert again[("telegram", "42")][0].id == newcomer.id
        assert await s.scalar(select(func.count()).select_from(ChatUser)) == 2


async def test_a_channels_receipt_is_kept_with_its_turn_and_dropped_with_a_failed_one(
    db: Database, seeded: Database, nlu: Nlu, content: Content
) -> None:
    """IncomingMessage.receipt (LINE's "a reply is starting" mark) is written by the turn's own transaction:
    committed once the answer is returned, and gone when the turn fails."""
    bot = _bot(db, BrokenOn(nlu, poison="ข้อความที่ทำให้พัง"), content)

    def receipt(number: int) -> Callable[[AsyncSession], Awaitable[None]]:
        async def write(session: AsyncSession) -> None:
            session.add(Cohort(number=number, migration_date=date(2020, 8, 1), last_v8_date=date(2020, 7, 31)))

        return write

    results = await asyncio.gather(
        bot.handle(IncomingMessage("line", "U1", "กรมสรรพากรย้ายวันไหน", receipt=receipt(91))),
        bot.handle(IncomingMessage("line", "U2", "ข้อความที่ทำให้พัง", receipt=receipt(92))),
        return_exceptions=True,
    )
    assert not isinstance(results[0], BaseException) and isinstance(results[1], RuntimeError)
    async with db.session() as s:
        kept = set((await s.scalars(select(Cohort.number).where(Cohort.number > 90))).all())
    assert kept == {91}
