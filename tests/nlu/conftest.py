"""Fixtures for the NLU tests: a tiny agency table and intent set under fixtures/.

Unit tests use these so they do not move when the real intents/ and
data/agencies.csv are edited; test_intent_accuracy.py is the one that judges
the real data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.agency_table import AgencyEntry, load_agencies_csv
from ginbot.nlu.engine import Nlu

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_INTENTS = FIXTURES / "intents"
FIXTURE_AGENCIES = FIXTURES / "agencies.csv"


@pytest.fixture(scope="session")
def agencies() -> list[AgencyEntry]:
    return load_agencies_csv(FIXTURE_AGENCIES)


@pytest.fixture(scope="session")
def matcher(agencies: list[AgencyEntry]) -> AgencyMatcher:
    return AgencyMatcher(agencies)


@pytest.fixture(scope="session")
def small_nlu(agencies: list[AgencyEntry]) -> Nlu:
    # No TrueVoice negatives next to the fixtures: a small, fast model. No knowledge topics either
    # (test_knowledge.py builds its own from fixtures/data/knowledge), so the classifier is intents only.
    return Nlu.from_paths(FIXTURE_INTENTS, agencies, knowledge_dir=FIXTURES / "no-knowledge")
