"""ginbot.wiring: the parts are found where the settings say, wherever each folder lives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ginbot.core.catalog import Catalog
from ginbot.core.messages import Channel, IncomingMessage
from ginbot.db.session import Database
from ginbot.errors import DataFileError
from ginbot.settings import load_settings
from ginbot.wiring import build_bot, build_nlu

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


PARKING_TOPIC = """\
# Added by a member of staff: no code change.
id: parking
title: ที่จอดรถผู้มาประชุม
questions:
  - "มาประชุมที่ สพร. จอดรถตรงไหน"
  - "ที่จอดรถสำหรับผู้มาประชุม"
  - "จอดรถได้ไหมคะ"
  - "รถยนต์จอดที่อาคารไหน"
  - "มีที่จอดรถให้ไหม"
  - "parking อยู่ตรงไหน"
  - "ขับรถมาเองจอดที่ไหนดี"
  - "ลานจอดรถเต็มแล้วจอดที่ไหน"
answer: |-
  จอดรถได้ที่อาคารจอดรถ ชั้น 2-5 ค่ะ สอบถามเพิ่ม โทร {helpdesk_phone}
"""


def _data_folder_with(tmp_path: Path, name: str, text: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("external"))
    (data / "external").symlink_to(ROOT / "data" / "external")
    (data / "knowledge" / name).write_text(text, encoding="utf-8")
    return data


async def test_a_topic_file_added_to_the_data_folder_is_answered_after_a_restart(
    tmp_path: Path, seeded_sqlite: Database
) -> None:
    data = _data_folder_with(tmp_path, "parking.yml", PARKING_TOPIC)
    settings = load_settings({"GINBOT_DATA_DIR": str(data), "GINBOT_INTENTS_DIR": str(ROOT / "intents")})
    bot = await build_bot(settings, seeded_sqlite)  # what `ginbot serve` does at start
    replies = await bot.handle(IncomingMessage(Channel.WEB, "u-parking", "ขับรถมาประชุม จะจอดรถได้ที่ไหนคะ"))
    assert replies[0].text.startswith("ที่จอดรถผู้มาประชุม\n")
    assert "อาคารจอดรถ" in replies[0].text and "02-612-6060" in replies[0].text


def test_a_typo_in_a_topic_file_stops_start_up_naming_file_and_line(tmp_path: Path) -> None:
    data = _data_folder_with(tmp_path, "parking.yml", PARKING_TOPIC.replace("title:", "titel:"))
    settings = load_settings({"GINBOT_DATA_DIR": str(data), "GINBOT_INTENTS_DIR": str(ROOT / "intents")})
    with pytest.raises(DataFileError, match=r"parking\.yml:3: unknown key 'titel'"):
        build_nlu(settings, Catalog(cohorts={}, agencies={}), [])
