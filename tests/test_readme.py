"""The README's instructions work as written, and say why the seeded dates are in the past."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _fenced_commands() -> list[str]:
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", README, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if "ginbot" in line]


def test_commands_to_type_run_the_installed_ginbot() -> None:
    """`make run` puts ginbot in .venv/bin, not on the PATH: what a reader copies must say so."""
    commands = [c for c in _fenced_commands() if not c.startswith(("make", "#", "docker", "GINBOT_"))]
    assert commands, "the README shows terminal commands"
    for command in commands:
        first = command.split("|")[-1].split()[0] if "|" in command else command.split()[0]
        assert first != "ginbot", command
    prose = [line for line in README.splitlines() if not line.startswith("|")]
    for line in prose:  # an instruction in running text ("create an account with `ginbot staff add …`")
        for command in re.findall(r"`((?:\S*/)?ginbot (?:staff|import|db|broadcast|worker|serve|chat|ask)\b[^`]*)`", line):
            if re.search(r"\b(with|run|command:|type)\s*`" + re.escape(command), line):
                assert command.startswith(".venv/bin/ginbot"), line
    assert "source .venv/bin/activate" in README  # how to type plain `ginbot` instead


def test_the_seeded_dates_are_explained() -> None:
    assert "The dates are 2020's" in README
    assert "GINBOT_TODAY=2020-07-03" in README
    assert "records them as skipped and says so once" in README
