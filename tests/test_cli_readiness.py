"""`ginbot readiness [--cohort N] [--json]`: counts that answers by button and by free text move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ginbot.cli import main
from tests.test_cli import seeded_env  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("seeded_env")
COUNTS = {"subscribers", "ready", "problem", "not_installed", "no_answer"}


def ask(user: str, text: str) -> None:
    assert main(["ask", "--user", user, "--today", "2020-07-02", text]) == 0


def readiness_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["readiness", "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def _subscribers(folder: Path, people: list[tuple[str, str]]) -> None:
    """Console users who told ginbot their agency (each `ask` trains the NLU afresh: keep them few)."""
    import asyncio

    from ginbot.db.session import Database
    from tests.delivery.conftest import Person, add_people

    async def add() -> None:
        db = Database(f"sqlite+aiosqlite:///{folder / 'cli.db'}")
        try:
            await add_people(db, [Person("console", user, agency) for user, agency in people])
        finally:
            await db.close()

    asyncio.run(add())


def test_answers_by_button_and_free_text_update_the_counts(
    seeded_env: Path,  # noqa: F811  (the fixture, for its folder)
    capsys: pytest.CaptureFixture[str],
) -> None:
    _subscribers(seeded_env, [("a", "tmd"), ("b", "tmd"), ("c", "tmd"), ("d", "tmd"), ("e", "rd")])
    before = readiness_json(capsys, "--cohort", "1")
    assert before["cohorts"] == [
        {
            "cohort": 1, "subscribers": 4, "ready": 0, "problem": 0, "not_installed": 0, "no_answer": 4,
            "agencies": before["cohorts"][0]["agencies"],  # type: ignore[index]
        }
    ]  # fmt: skip

    ask("a", "ใช้ได้แล้ว")  # the check-in button
    ask("b", "ยังเข้าไม่ได้เลย")  # free text
    ask("c", "ยังไม่ได้ลง")  # free text
    data = readiness_json(capsys)
    cohorts = data["cohorts"]
    assert isinstance(cohorts, list) and [c["cohort"] for c in cohorts] == [1, 2, 3]
    one = cohorts[0]
    assert set(one) == COUNTS | {"cohort", "agencies"}
    assert {k: one[k] for k in COUNTS} == {
        "subscribers": 4, "ready": 1, "problem": 1, "not_installed": 1, "no_answer": 1,
    }  # fmt: skip
    tmd = next(a for a in one["agencies"] if a["id"] == "tmd")
    assert tmd == {
        "id": "tmd", "name_th": "กรมอุตุนิยมวิทยา",
        "subscribers": 4, "ready": 1, "problem": 1, "not_installed": 1, "no_answer": 1,
    }  # fmt: skip
    assert len(one["agencies"]) == 14 and all(set(a) == COUNTS | {"id", "name_th"} for a in one["agencies"])
    # Agencies with nobody confirmed ready come first; tmd has someone, so it is last of cohort 1.
    assert one["agencies"][-1]["id"] == "tmd"
    two = cohorts[1]
    assert (two["subscribers"], two["no_answer"], two["ready"]) == (1, 1, 0)

    capsys.readouterr()
    assert main(["readiness", "--cohort", "1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("cohort 1: subscribers 4, ready 1, problem 1, not installed 1, no answer 1")
    assert "13 of 14 agencies with nobody confirmed ready" in text
    assert "  ! " in text and "    กรมอุตุนิยมวิทยา (tmd)" in text


def test_an_unknown_cohort_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readiness", "--cohort", "9"]) == 2
    assert "no cohort 9" in capsys.readouterr().err


def test_broadcast_to_notready_cohort_from_the_cli(
    seeded_env: Path,  # noqa: F811  (the fixture, for its folder)
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from ginbot.db.session import Database
    from tests.delivery.conftest import Person, add_people

    async def people() -> None:
        db = Database(f"sqlite+aiosqlite:///{seeded_env / 'cli.db'}")
        try:
            await add_people(db, [Person("line", "U1", "tmd"), Person("telegram", "2", "tmd"), Person("line", "U3", "rd")])
        finally:
            await db.close()

    asyncio.run(people())
    assert main(["ask", "--user", "x", "ผมอยู่กรมอุตุนิยมวิทยา"]) == 0  # a console subscriber: never pushed to
    capsys.readouterr()
    assert main(["broadcast", "--to", "notready:cohort:1", "--dry-run", "กรุณาติดตั้ง v9"]) == 0
    assert "recipients: 2 (line 1, telegram 1)" in capsys.readouterr().out
    assert main(["broadcast", "--to", "notready:cohort:x", "ข้อความ"]) == 2
    assert "notready:cohort:N" in capsys.readouterr().err
