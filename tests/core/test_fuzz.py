"""A fuzz through the whole core (NLU, dialogue, database) on SQLite and PostgreSQL: nothing crashes, and
every input is answered. bench/fuzz.py runs the full 20,000 and prints the figures."""

from __future__ import annotations

from datetime import date

import pytest

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.messages import IncomingMessage
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.fuzz import inputs

INPUTS = 2_000
CHANNELS = ("line", "telegram", "web")


# Two thousand real turns, some of 20,000 characters, on a machine shared with other test runs: a ceiling.
@pytest.mark.timeout(600)
async def test_two_thousand_hostile_inputs_are_each_answered_without_a_crash(
    seeded: Database, nlu: Nlu, content: Content
) -> None:
    bot = Bot(seeded, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))
    crashes: list[tuple[int, str, str]] = []
    unanswered: list[int] = []
    for i, text in enumerate(inputs(INPUTS)):
        # Thirty people on three channels, so state (ask-backs, agencies) carries between odd inputs.
        message = IncomingMessage(CHANNELS[i % 3], f"fuzz-{i % 30}", text)
        try:
            outcome = await bot.respond(message)
        except Exception as exc:  # what the test is looking for
            crashes.append((i, repr(text[:60]), repr(exc)))
            continue
        if outcome.handoff and not outcome.replies:
            continue  # the person asked for staff: their messages go to staff, and the bot rightly stays quiet
        if not outcome.replies or not all(r.text.strip() for r in outcome.replies):
            unanswered.append(i)
    assert crashes == []
    assert unanswered == []
