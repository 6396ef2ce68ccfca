"""Builds the long-lived parts from settings: the NLU, the bot. Used by the CLI and the web app."""

from __future__ import annotations

import asyncio

from ginbot.core.catalog import Catalog, load_catalog
from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.nlu.entities import AgencyEntry
from ginbot.settings import Settings


def agency_entries(catalog: Catalog) -> list[AgencyEntry]:
    return [
        AgencyEntry(a.id, a.name_th, a.abbr_th, a.name_en, a.abbr_en, a.ministry_th, a.cohort, a.aliases)
        for a in catalog.agencies.values()
    ]


def build_nlu(settings: Settings, catalog: Catalog) -> Nlu:
    return Nlu.from_paths(settings.intents_dir, agency_entries(catalog))


async def build_bot(settings: Settings, db: Database) -> Bot:
    """Load the campaign from the database and train the NLU on it (off the event loop: ~1 s of CPU)."""
    async with db.session() as session:
        catalog = await load_catalog(session)
    nlu = await asyncio.get_running_loop().run_in_executor(None, build_nlu, settings, catalog)
    content = Content.load(settings.data_dir / "answers.yml")
    return Bot(db, NluUnderstanding(nlu), content, Clock(settings.today), catalog)
