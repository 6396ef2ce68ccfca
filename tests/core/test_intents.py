"""The intent registry: one declaration per intent, and everything that offers an intent reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.intents import INTENTS, Intent, Registry, UnregisteredIntentError, check_trained
from ginbot.core.messages import MAX_QUICK_REPLY_LABEL, QuickReply
from ginbot.core.turn import Outcome, Turn
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.nlu.intents import HELDOUT_DIR, load_intents
from tests.core.conftest import Chat

ROOT = Path(__file__).resolve().parents[2]
INTENTS_DIR = ROOT / "intents"


def _file_ids(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yml") if p.stem != "agency_mentions")


def test_every_training_file_has_exactly_one_registration_and_back() -> None:
    assert _file_ids(INTENTS_DIR) == sorted(INTENTS.ids)
    # The contract's 21 ids (fallback included) and wave 2's report_ready and report_not_installed.
    assert len(INTENTS.ids) == len(set(INTENTS.ids)) == 23


def test_every_registered_intent_has_heldout_examples() -> None:
    assert _file_ids(INTENTS_DIR / HELDOUT_DIR) == sorted(INTENTS.ids)


def test_a_second_declaration_of_an_id_is_refused() -> None:
    twice = [Intent("fallback", INTENTS.get("fallback").handler, "x"), Intent("fallback", INTENTS.get("fallback").handler, "y")]
    with pytest.raises(ValueError, match="declared twice"):
        Registry(twice)


def test_training_data_for_an_undeclared_intent_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(UnregisteredIntentError, match=r"intents/ping\.yml"):
        check_trained(INTENTS, ["greet", "ping"])
    check_trained(INTENTS, INTENTS.ids)  # the shipped folder is fine


def test_button_labels_fit_and_every_intent_has_a_thai_label() -> None:
    for intent in INTENTS:
        assert intent.label_th and intent.label_th != intent.id
        if intent.suggestion is not None:
            assert len(intent.suggestion.label) <= MAX_QUICK_REPLY_LABEL and not intent.suggestion.label.endswith("…")


def test_tapping_an_offered_button_is_understood_as_its_intent(nlu: Nlu) -> None:
    """A suggestion sends its text as the official's message; it must come back as the same intent."""
    for intent in INTENTS:
        if intent.suggestion is not None:
            assert nlu.parse(intent.suggestion.text).intent == intent.id, intent.suggestion.text


def test_help_menu_and_did_you_mean_come_from_the_registry() -> None:
    menu = INTENTS.menu()
    assert QuickReply("ติดต่อเจ้าหน้าที่", "ขอติดต่อเจ้าหน้าที่") in menu
    assert all(i.suggestion in menu for i in INTENTS if i.menu)
    offered = INTENTS.did_you_mean(["greet", "download", "forget_me", "unknown", "why_migrate", "schedule"], 2)
    assert [b.label for b in offered] == ["ดาวน์โหลด v9", "ทำไมต้องย้าย"]


async def test_a_new_intent_needs_one_declaration_and_its_training_file(
    tmp_path: Path, seeded_sqlite: Database, content: Content
) -> None:
    """What intents/README.md promises: add a file and a registry entry, and the bot answers it."""
    folder = tmp_path / "intents"
    folder.mkdir()
    for path in INTENTS_DIR.glob("*.yml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    examples = "\n".join(f'  - "{t}"' for t in [
        "ขอเลขห้องทดสอบระบบ", "ห้องทดสอบเสียงรหัสอะไร", "มีห้องไว้ลองระบบไหม", "อยากลองเข้าห้องทดสอบก่อน",
        "ห้องทดสอบ gin อยู่ไหน", "ขอรหัสห้องลองเสียง", "ทดลองเข้าห้องประชุมทดสอบได้ไหมครับ", "ห้องเทสต์ระบบ",
    ])  # fmt: skip
    (folder / "test_room.yml").write_text(f"intent: test_room\nexamples:\n{examples}\n", encoding="utf-8")

    def test_room(turn: Turn) -> Outcome:
        return Outcome([turn.reply("contact_staff")])

    registry = Registry([*INTENTS, Intent("test_room", test_room, "ห้องทดสอบ")])
    nlu = Nlu(load_intents(folder), [])
    check_trained(registry, (e.intent for e in nlu.examples))
    bot = Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)), intents=registry)
    answer = await Chat(bot).say("ขอรหัสห้องทดสอบระบบหน่อยครับ")
    assert "ติดต่อเจ้าหน้าที่ GIN Conference" in answer
