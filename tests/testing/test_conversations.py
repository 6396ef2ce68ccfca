"""The maintainers' conversation tests (intents/conversations/*.yml) run here by `make test`, one test per
dialogue; and the runner itself: failures say where and what, bad files say which line is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.conversations import DialogueFileError, load, load_file, run_dialogue

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "intents" / "conversations"
DIALOGUES = load([CONVERSATIONS])


@pytest.fixture
def bot(seeded_sqlite: Database, nlu: Nlu, content: Content) -> Bot:
    return Bot(seeded_sqlite, NluUnderstanding(nlu), content, Clock(date(2020, 7, 3)))


def test_the_suite_is_big_enough_and_covers_every_intent() -> None:
    from ginbot.core.intents import INTENTS

    assert len(DIALOGUES) >= 30
    asserted = {s.intent for d in DIALOGUES for s in d.steps if s.intent}
    assert set(INTENTS.ids) <= asserted, sorted(set(INTENTS.ids) - asserted)
    topics = {s.topic for d in DIALOGUES for s in d.steps if s.topic}
    assert len(topics) >= 12, sorted(topics)


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d.label for d in DIALOGUES])
async def test_dialogue(bot: Bot, dialogue) -> None:  # type: ignore[no-untyped-def]
    result = await run_dialogue(bot, dialogue, "conversation-test")
    assert result.passed, "\n" + result.report()


async def test_a_failing_dialogue_reports_the_turn_expected_and_actual(bot: Bot, tmp_path: Path) -> None:
    path = tmp_path / "wrong.yml"
    path.write_text(
        "dialogues:\n"
        "  - name: v8 answered for the wrong agency\n"
        "    today: 2020-07-03\n"
        "    turns:\n"
        "      - user: กรมสรรพากรย้ายวันไหน\n"
        "        expect: กรมสรรพากร\n"
        "      - user: แล้ว v8 ใช้ได้ถึงวันไหน\n"
        "        expect: [กรมชลประทาน]\n"
        "        intent: migration_date\n",
        encoding="utf-8",
    )
    result = await run_dialogue(bot, load_file(path)[0], "u-wrong")
    assert not result.passed
    report = result.report()
    assert report.startswith("FAIL  wrong.yml: v8 answered for the wrong agency")
    assert "turn 2: แล้ว v8 ใช้ได้ถึงวันไหน" in report
    assert "expected: 'กรมชลประทาน'" in report
    assert "expected to be answered as migration_date, was last_v8_day" in report
    assert "| กรมสรรพากร (กลุ่มที่ 2) ใช้ GIN Conference v8 ได้ถึง" in report  # the actual text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- just a list\n", "expected a mapping with a 'dialogues' list"),
        ("dialogues:\n  - turns: []\n", "dialogue 1: needs a 'name'"),
        ("dialogues:\n  - name: x\n    turns: [{user: hi}]\n", r"dialogue 1 \(x\): needs 'today: YYYY-MM-DD'"),
        ("dialogues:\n  - name: x\n    today: 2020-07-03\n    turns: [{user: hi, expcet: a}]\n",
         r"dialogue 1 \(x\), turn 1: unknown key\(s\) expcet"),
        ("dialogues:\n  - name: x\n    today: 2020-07-03\n    turns: [{expect: a}]\n",
         "turn 1: needs exactly one of 'user'"),
        ("dialogues:\n  - name: x\n    today: 2020-07-03\n    turns: [{user: a, expect: {b: c}}]\n",
         "turn 1: expected text or a list of texts"),
        ("dialogues:\n  - {name: x, today: 2020-07-03, turns: [{user: a}]}\n"
         "  - {name: x, today: 2020-07-03, turns: [{user: b}]}\n", "repeated: x"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_file_dialogue_and_turn(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DialogueFileError, match=message) as caught:
        load_file(path)
    assert str(path) in str(caught.value)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DialogueFileError, match="no such file or folder"):
        load([tmp_path / "nope.yml"])
    with pytest.raises(DialogueFileError, match="no conversation files"):
        load([tmp_path])
