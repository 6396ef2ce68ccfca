"""ginbot.wiring: the parts are found where the settings say, wherever each folder lives."""

from __future__ import annotations

import shutil
from pathlib import Path

from ginbot.core.catalog import Catalog
from ginbot.settings import load_settings
from ginbot.wiring import build_nlu

ROOT = Path(__file__).resolve().parent.parent


def test_the_out_of_domain_negatives_come_from_the_data_folder(tmp_path: Path) -> None:
    """intents/ somewhere of its own (as a maintainer trying changes might): the TrueVoice negatives
    are still read from GINBOT_DATA_DIR, so off-topic messages still go to fallback."""
    intents = tmp_path / "my-intents"
    shutil.copytree(ROOT / "intents", intents)
    settings = load_settings({"GINBOT_INTENTS_DIR": str(intents), "GINBOT_DATA_DIR": str(ROOT / "data")})
    nlu = build_nlu(settings, Catalog(cohorts={}, agencies={}), [])
    assert len(nlu.negative_documents) >= 500
    assert nlu.parse("ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง").intent == "fallback"
