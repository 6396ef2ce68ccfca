"""Builds the long-lived parts from settings: the NLU, the bot. Used by the CLI and the web app."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

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
from ginbot.nlu.topics import KNOWLEDGE_DIR, Topic, TopicSet, load_topics, merge
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


@dataclass(frozen=True)
class StoredKnowledge:
    """What staff added to the knowledge on the admin page: topics, and (topic id, phrasing) pairs."""

    topics: tuple[Topic, ...] = ()
    questions: tuple[tuple[str, str], ...] = ()


async def stored_knowledge(session: AsyncSession) -> StoredKnowledge:
    """Tables knowledge_topics and knowledge_questions, as topics to merge with data/knowledge/."""
    topics = tuple(
        Topic(id=row.id, title=row.title, questions=(), answer=row.answer, source="database")
        for row in await queries.knowledge_topics(session)
    )
    questions = tuple((row.topic_id, row.text) for row in await queries.knowledge_questions(session))
    return StoredKnowledge(topics, questions)


def knowledge(settings: Settings, stored: StoredKnowledge) -> TopicSet:
    """data/knowledge/*.yml (a typo there is a DataFileError naming file and line) plus the stored additions."""
    return merge(load_topics(settings.data_dir / KNOWLEDGE_DIR), stored.topics, stored.questions)


def build_nlu(
    settings: Settings,
    catalog: Catalog,
    extra_examples: Sequence[IntentExample] = (),
    stored: StoredKnowledge = StoredKnowledge(),
) -> Nlu:
    # Staff-taught examples and topics live in the database, not in intents/ or data/knowledge/; they are
    # trained on together with the files, in one fit.
    nlu = Nlu.from_paths(
        settings.intents_dir,
        agency_entries(catalog),
        negatives_path=settings.data_dir / NEGATIVES_FILE,
        topics=knowledge(settings, stored),
        extra_examples=extra_examples,
    )
    check_trained(INTENTS, (e.intent for e in nlu.examples))
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
        stored = await stored_knowledge(session)
    nlu = await asyncio.get_running_loop().run_in_executor(None, build_nlu, settings, catalog, examples, stored)
    return Bot(db, NluUnderstanding(nlu), content, Clock(settings.today), catalog, observers=[metrics.observe_turn])
