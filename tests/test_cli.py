"""The contract's command line, run in-process as a user would type it."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from ginbot.cli import main
from tests.observability.serving import ginbot_command, ginbot_env

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_KEYS = {"text", "intent", "confidence", "agency", "agency_candidates", "cohort", "platform", "language", "topic"}


@pytest.fixture
def seeded_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("GINBOT_TODAY", raising=False)
    assert main(["db", "seed"]) == 0
    out = capsys.readouterr().out
    assert "created 163" in out and "created 3" in out
    return tmp_path


def test_parse_prints_the_contract_shape(seeded_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "กรมสรรพากรย้ายวันไหน"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == CONTRACT_KEYS
    assert data["intent"] == "migration_date"
    assert data["agency"]["id"] == "rd" and data["agency"]["name_th"] == "กรมสรรพากร"
    assert data["agency_candidates"][0]["id"] == "rd"


def test_parse_jsonl_reads_one_text_a_line(
    seeded_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("กลุ่ม ๒ ย้ายวันไหน\nติดตั้งบน mac ยังไง\n\n"))
    assert main(["parse", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    assert lines[0]["cohort"] == 2 and lines[1]["platform"] == "macos"
    assert lines[2]["intent"] == "fallback"  # an empty line still gets an answer


class _BytesStdin(io.TextIOWrapper):
    """A stdin whose bytes are not all UTF-8 (a file from another system piped in)."""


def test_parse_jsonl_survives_bytes_that_are_not_utf8(
    seeded_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = io.BytesIO("กลุ่ม 2\n".encode() + b"\xff\xfe\xe0\xb8 broken\n" + "ติดตั้งบน mac\n".encode())
    monkeypatch.setattr("sys.stdin", _BytesStdin(raw, encoding="utf-8"))
    assert main(["parse", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3  # the bad line is answered too, with U+FFFD where its bytes were
    assert "\ufffd" in lines[1]["text"] and lines[2]["platform"] == "macos"


def test_ask_takes_a_text_that_starts_with_a_dash_after_double_dash(
    seeded_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "--user", "u-dash", "--", "-กรมสรรพากรย้ายวันไหน"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == "-กรมสรรพากรย้ายวันไหน" and data["replies"]


def test_ask_keeps_the_conversation_between_calls(seeded_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "--user", "u1", "--today", "2020-07-03", "v8 ใช้ได้ถึงวันไหนคะ"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert "หน่วยงานของท่านคือหน่วยงานใด" in first["replies"][0]["text"]
    assert main(["ask", "--json", "--user", "u1", "--today", "2020-07-03", "กรมชลประทาน"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert "14 กรกฎาคม 2563" in second["replies"][0]["text"] and "อีก 11 วัน" in second["replies"][0]["text"]
    assert all(set(r) == {"text", "quick_replies"} for r in second["replies"])
    assert first["topic"] is None and second["topic"] is None


def test_ask_and_parse_name_the_knowledge_topic(seeded_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "--user", "u2", "แชร์หน้าจอยังไงคะ"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["topic"] == "share_screen" and answer["replies"][0]["text"].startswith("แชร์หน้าจอ\n")
    assert main(["parse", "ลืมรหัสผ่านค่ะ"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["topic"]["id"] == "forgot_password" and parsed["topic"]["title"] == "ลืมรหัสผ่าน"


def test_ask_in_english_is_answered_in_english(seeded_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    question = "When does the Revenue Department move to v9?"
    assert main(["ask", "--user", "en1", "--today", "2020-07-03", question]) == 0
    answer = capsys.readouterr().out
    assert "Tuesday 7 July 2020" in answer and "in 4 days" in answer
    assert not any("\u0e01" <= ch <= "\u0e4e" for ch in answer)


def test_ask_json_says_the_intent_and_whether_staff_have_the_conversation(
    seeded_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ask = ["ask", "--json", "--user", "u2", "--today", "2020-07-03"]
    assert main([*ask, "กรมสรรพากรย้ายวันไหน"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["intent"] == "migration_date" and first["handoff"] is False
    assert main([*ask, "ขอคุยกับเจ้าหน้าที่"]) == 0
    opened = json.loads(capsys.readouterr().out)
    assert opened["intent"] == "contact_staff" and opened["handoff"] is True and opened["replies"][0]["text"]
    # The next call (a new process's worth of state) is still with staff, and the bot does not answer.
    assert main([*ask, "รอนานไหมคะ"]) == 0
    waiting = json.loads(capsys.readouterr().out)
    assert waiting["handoff"] is True and waiting["replies"] == []
    assert main([*ask, "จบการสนทนา"]) == 0
    assert json.loads(capsys.readouterr().out)["handoff"] is False


def test_import_errors_name_file_line_and_column(
    seeded_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = seeded_env / "agencies.csv"
    bad.write_text(
        "id,name_th,abbr_th,name_en,abbr_en,ministry_th,cohort,aliases\nrd,กรมสรรพากร,,,,,5,\n", encoding="utf-8"
    )
    assert main(["import", "agencies", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert f"{bad}:2: column 7 (cohort): unknown cohort '5'" in err
    # The bundled file is still there, unchanged.
    assert main(["import", "agencies", str(ROOT / "data" / "agencies.csv")]) == 0
    assert "unchanged 163" in capsys.readouterr().out


def test_a_typo_in_answers_yml_is_one_line_naming_the_file_and_line(
    seeded_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = seeded_env / "data"
    shutil.copytree(ROOT / "data", data)
    lines = len((data / "answers.yml").read_text(encoding="utf-8").splitlines())
    with (data / "answers.yml").open("a", encoding="utf-8") as answers:
        answers.write("greet: [ลืมปิดวงเล็บ\n")
    monkeypatch.setenv("GINBOT_DATA_DIR", str(data))
    assert main(["ask", "สวัสดี"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ginbot: {data / 'answers.yml'}:")
    assert f"line {lines + 1}, column 8" in err  # where the bracket was opened
    assert "Traceback" not in err


def test_a_broken_intent_file_is_named_and_nothing_is_trained(
    seeded_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    intents = seeded_env / "intents"
    shutil.copytree(ROOT / "intents", intents)
    (intents / "greet.yml").write_text("intent: greet\nexamples: [\n", encoding="utf-8")
    monkeypatch.setenv("GINBOT_INTENTS_DIR", str(intents))
    assert main(["parse", "สวัสดี"]) == 2
    err = capsys.readouterr().err
    assert f"ginbot: {intents / 'greet.yml'}: not valid YAML" in err
    assert "Traceback" not in err


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"postgresql+asyncpg://ginbot:s3cret-pw@127.0.0.1:{port}/ginbot")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ginbot: cannot use the database postgresql+asyncpg://ginbot:***@127.0.0.1:{port}/ginbot")
    assert "GINBOT_DATABASE_URL" in err and "s3cret-pw" not in err and "Traceback" not in err


def test_serve_on_a_database_without_tables_says_what_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "the database has no ginbot tables yet: run `ginbot db upgrade`" in err


def test_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    assert main_in(tmp_path, "db", "upgrade") == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = ginbot_env(tmp_path / "serve.db", port)
        done = subprocess.run(ginbot_command("serve"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"ginbot: cannot listen on 127.0.0.1:{port} (GINBOT_HOST, GINBOT_PORT)" in done.stderr
    assert "Traceback" not in done.stderr


def main_in(folder: Path, *args: str) -> int:
    """`ginbot ARGS` in a child process with the test's serve.db in ``folder``."""
    env = ginbot_env(folder / "serve.db", 8080)
    return subprocess.run(ginbot_command(*args), env=env, cwd=folder, capture_output=True, timeout=120).returncode


def test_test_conversations_prints_pass_and_fail_per_dialogue_and_exits_non_zero_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'untouched.db'}")
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(
        "dialogues:\n  - name: asks the date\n    today: 2020-07-03\n    turns:\n"
        "      - {user: กรมสรรพากรย้ายวันไหน, expect: 7 กรกฎาคม 2563, intent: migration_date}\n",
        encoding="utf-8",
    )
    bad.write_text(
        "dialogues:\n  - name: expects the wrong date\n    today: 2020-07-03\n    turns:\n"
        "      - {user: กรมสรรพากรย้ายวันไหน, expect: 15 กรกฎาคม 2563}\n",
        encoding="utf-8",
    )
    assert main(["test-conversations", str(good)]) == 0
    out = capsys.readouterr().out
    assert "PASS  good.yml: asks the date" in out and "1/1 dialogues passed" in out
    assert main(["test-conversations", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  bad.yml: expects the wrong date" in out and "expected: '15 กรกฎาคม 2563'" in out
    assert "1/2 dialogues passed, 1 failed" in out
    assert not (tmp_path / "untouched.db").exists()  # test people never land in the configured database


def test_training_data_for_an_undeclared_intent_is_one_line(
    seeded_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    intents = seeded_env / "intents"
    shutil.copytree(ROOT / "intents", intents)
    (intents / "ping.yml").write_text('intent: ping\nexamples: ["ping", "pong"]\n', encoding="utf-8")
    monkeypatch.setenv("GINBOT_INTENTS_DIR", str(intents))
    assert main(["parse", "สวัสดี"]) == 2
    err = capsys.readouterr().err
    assert "intents/ping.yml: no such intent in ginbot/core/intents.py" in err
    assert "Traceback" not in err


def test_seed_if_empty_fills_a_fresh_database_and_keeps_what_staff_imported_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    assert main(["db", "seed", "--if-empty"]) == 0  # a fresh `docker compose up`
    assert "created 163" in capsys.readouterr().out
    renamed = tmp_path / "agencies.csv"
    original = (ROOT / "data" / "agencies.csv").read_text(encoding="utf-8")
    renamed.write_text(original.replace("กรมสรรพากร,", "กรมสรรพากร (ชื่อใหม่),", 1), encoding="utf-8")
    assert main(["import", "agencies", str(renamed)]) == 0  # staff import a corrected list
    capsys.readouterr()
    assert main(["db", "seed", "--if-empty"]) == 0  # the next container start
    out = capsys.readouterr().out
    assert "agencies: already in the database" in out and "cohorts: already in the database" in out
    assert main(["parse", "กรมสรรพากร (ชื่อใหม่) ย้ายวันไหน"]) == 0
    assert json.loads(capsys.readouterr().out)["agency"]["name_th"] == "กรมสรรพากร (ชื่อใหม่)"
