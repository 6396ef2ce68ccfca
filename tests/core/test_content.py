from __future__ import annotations

import re
from pathlib import Path

import pytest

from ginbot.core.content import Content, ContentError

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "ginbot" / "core"


def test_every_key_the_code_uses_exists() -> None:
    """A renamed or deleted entry in answers.yml would otherwise surface as a crash in a chat."""
    content = Content.load(ROOT / "data" / "answers.yml")
    used = set()
    for source in CORE.rglob("*.py"):
        used |= set(re.findall(r'(?:reply|text)\(\s*"([a-z_.]+)"', source.read_text(encoding="utf-8")))
    assert used, "found no answer keys in the core"
    for key in sorted(used):
        assert content.has(key), key
    for tense in ("future", "today", "past"):
        for family in ("migration_date", "last_v8_day", "remembered", "cohort.migration_date", "cohort.last_v8_day"):
            assert content.has(f"{family}.{tense}"), f"{family}.{tense}"
    for platform in ("windows", "macos", "android", "ios"):
        assert content.has(f"install_v9.{platform}")


def test_answers_stay_short_enough_for_a_phone() -> None:
    content = Content.load(ROOT / "data" / "answers.yml")
    for key in ("help", "cannot_join", "install_v9.windows", "uninstall_v8", "about_gin", "why_migrate"):
        assert len(content.text(key).splitlines()) <= 8, key


def test_duplicate_keys_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text('greet: "สวัสดี"\nthanks: "ยินดี"\ngreet: "หวัดดี"\n', encoding="utf-8")
    with pytest.raises(ContentError, match="line 3: 'greet' appears twice"):
        Content.load(path)


def test_an_unknown_placeholder_shows_literally_instead_of_crashing(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text('greet: "สวัสดี {nmae}"\n', encoding="utf-8")
    assert Content.load(path).text("greet") == "สวัสดี {nmae}"
