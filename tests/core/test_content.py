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


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{([a-z_0-9]+)\}", text))


def test_every_thai_answer_has_an_english_twin_with_the_same_placeholders() -> None:
    """answers.en.yml mirrors answers.yml: an answer added in Thai only would greet an English speaker in
    Thai, and a placeholder dropped in translation would lose the agency or the date."""
    content = Content.load(ROOT / "data" / "answers.yml")
    english = content.in_language("en")
    assert english.language == "en" and content.languages == ("th", "en")
    thai_keys, english_keys = content.keys(), english.keys()
    assert sorted(thai_keys - english_keys) == [], (
        "in answers.yml but not in answers.en.yml: add the English text of these keys to data/answers.en.yml "
        "(same placeholders) so that people who ask in English are answered in English"
    )
    assert sorted(english_keys - thai_keys) == [], "in answers.en.yml but not in answers.yml"
    for key in sorted(thai_keys):
        if key.startswith(("buttons.", "suggestions.", "links.", "actions.")):
            continue
        assert _placeholders(english.template(key)) == _placeholders(content.template(key)), key
    for key in ("platforms", "cohorts", "forget_confirm"):
        labels = [b.label for b in english.buttons(key)]
        assert labels and all(len(label) <= 20 and not label.endswith("…") for label in labels), key


def test_a_translation_missing_a_key_falls_back_to_thai(tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text('greet: "สวัสดีค่ะ"\nthanks: "ยินดีค่ะ"\n', encoding="utf-8")
    (tmp_path / "answers.en.yml").write_text('greet: "Hello"\n', encoding="utf-8")
    content = Content.load(tmp_path / "answers.yml")
    english = content.in_language("en")
    assert english.text("greet") == "Hello"
    assert english.text("thanks") == "ยินดีค่ะ"
    assert content.text("greet") == "สวัสดีค่ะ"
    assert content.in_language("fr") is content and content.in_language(None) is content
