"""Comments and docs point only at things that exist: dotted ginbot names resolve, and no file outside
the repository (the team's shared notes, a developer's machine) is cited as if a reader had it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from tests.conftest import ROOT

DOTTED = re.compile(r"\bginbot(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
# Names of notes that live beside the repository, not in it, and absolute paths of one machine.
OUTSIDE = re.compile(r"CONTRACT\.md|PLATFORM-NOTES\.md|STYLE\.md|BRIEF\.md|/work/|shared/data/")
READ = ["ginbot", "bench", "docs", "data", "intents", "tests", "README.md", "Makefile", "Dockerfile"]
TEXT_SUFFIXES = {".py", ".md", ".yml", ".yaml", ".json", ".csv", ".toml", ".html", ""}


def _files(names: list[str] = READ) -> list[Path]:
    out: list[Path] = []
    for name in names:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        out += [p for p in candidates if p.is_file() and p.suffix in TEXT_SUFFIXES and p != Path(__file__)]
    return out


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_dotted_ginbot_name_in_code_and_docs_exists() -> None:
    missing = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _files(["ginbot", "bench", "docs", "README.md"])
        for name in DOTTED.findall(path.read_text(encoding="utf-8", errors="replace"))
        if not _resolves(name)
    }
    assert not missing, sorted(missing)


def test_no_reference_to_files_outside_the_repository() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path in _files()
        for hits in [OUTSIDE.findall(path.read_text(encoding="utf-8", errors="replace"))]
        if hits
    }
    assert not found, f"say what these mean instead of citing them: {found}"
