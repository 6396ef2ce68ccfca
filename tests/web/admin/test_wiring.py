"""What staff teach and import reaches the NLU: at build (every start, `ginbot parse`) and while running."""

from __future__ import annotations

import asyncio
import dataclasses

from ginbot.core.catalog import AgencyInfo, load_catalog
from ginbot.db.models import TrainingExample
from ginbot.db.session import Database
from ginbot.nlu.intents import IntentExample
from ginbot.settings import load_settings
from ginbot.wiring import build_nlu, refresh_agencies, stored_examples


async def test_taught_examples_are_trained_at_build_and_new_agencies_found_after_refresh(
    seeded_sqlite: Database,
) -> None:
    question = "จองห้องประชุมล่วงหน้ายังไง"
    async with seeded_sqlite.session() as s:
        s.add(TrainingExample(text=question, intent="contact_staff", staff_name="somchai"))
        s.add(TrainingExample(text="หมวดที่ถูกลบไปแล้ว", intent="renamed_intent", staff_name="somchai"))
    async with seeded_sqlite.session() as s:
        catalog = await load_catalog(s)
        examples = await stored_examples(s)
    assert examples == [IntentExample(question, "contact_staff")]  # an unknown intent id is skipped
    nlu = await asyncio.to_thread(build_nlu, load_settings({}), catalog, examples)
    assert nlu.parse(question).intent == "contact_staff"

    office = AgencyInfo("trial", "สำนักงานทดลองระบบประชุม", "สทป.", "Meeting Trial Office", "MTO", "", 1, ())
    imported = dataclasses.replace(catalog, agencies={**catalog.agencies, office.id: office})
    asking = "สำนักงานทดลองระบบประชุมย้ายวันไหน"
    assert nlu.parse(asking).agency is None
    await asyncio.to_thread(refresh_agencies, nlu, imported)
    found = nlu.parse(asking)
    assert found.agency is not None and found.agency.id == "trial"
    assert found.intent == "migration_date"
