"""Builds the long-lived parts from settings: the NLU, the bot. Used by the CLI and the web app."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.catalog import Catalog, load_catalog
from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.intents import INTENTS, check_trained
from ginbot.core.understanding import NluUnderstanding
from ginbot.db import queries
from ginbot.db.session import Database
from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.agency_table import AgencyEntry
from ginbot.nlu.engine import NEGATIVES_FILE, Nlu
from ginbot.nlu.intents import IntentExample
from ginbot.nlu.text import warm_up
from ginbot.observability import metrics
from ginbot.settings import Settings


def agency_entries(catalog: Catalog) -> list[AgencyEntry]:
    return list(catalog.agencies.values())


async def stored_examples(session: AsyncSession) -> list[IntentExample]:
    """Questions staff taught on the admin page (table training_examples), as training examples.

    An intent id that no longer exists (renamed in intents/) is skipped rather than breaking start-up.
    """
    return [
        IntentExample(text=row.text, intent=row.intent)
        for row in await queries.training_examples(session)
        if row.intent in INTENTS
    ]


def build_nlu(settings: Settings, catalog: Catalog, extra_examples: Sequence[IntentExample] = ()) -> Nlu:
    nlu = Nlu.from_paths(
        settings.intents_dir, agency_entries(catalog), negatives_path=settings.data_dir / NEGATIVES_FILE
    )
    check_trained(INTENTS, (e.intent for e in nlu.examples))
    if extra_examples:
        # Staff-taught examples live in the database, not in intents/; retraining reuses the prepared
        # documents, so this costs one more classifier fit only when there are any.
        nlu.retrain(extra_examples)
    return nlu


def refresh_agencies(nlu: Nlu, catalog: Catalog) -> None:
    """Point a running NLU at a new agency list (after a CSV import): ~0.1 s, no retraining.

    The classifier saw agency names masked as one placeholder, so it needs no change; only the matcher
    that finds names (and the segmenter's dictionary of them) is rebuilt and swapped in one assignment.
    """
    matcher = AgencyMatcher(agency_entries(catalog))
    warm_up(matcher.words)
    nlu.matcher = matcher


async def build_bot(settings: Settings, db: Database) -> Bot:
    """Load the campaign from the database and train the NLU on it (off the event loop: ~1 s of CPU)."""
    # The answers first: a typo there should stop start-up before a second of training, not after.
    content = Content.load(settings.data_dir / "answers.yml")
    async with db.session() as session:
        catalog = await load_catalog(session)
        examples = await stored_examples(session)
    nlu = await asyncio.get_running_loop().run_in_executor(None, build_nlu, settings, catalog, examples)
    return Bot(db, NluUnderstanding(nlu), content, Clock(settings.today), catalog, observers=[metrics.observe_turn])
