"""docs/operations.md and compose.yaml stay true to the code: settings, metrics and commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from ginbot.cli import build_parser
from ginbot.observability import metrics
from ginbot.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text()


def test_settings_tables_match_the_settings_model() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/settings-table", "--check", "docs/operations.md", "compose.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for name in Settings.model_fields:
        assert f"`{PREFIX}{name.upper()}`" in DOC


def test_every_exported_metric_is_explained() -> None:
    families = list(metrics.REGISTRY.collect())
    assert families
    for family in families:
        # The names as Prometheus shows them: counters gain _total, info metrics _info.
        exposed = {"counter": f"{family.name}_total", "info": f"{family.name}_info"}.get(family.type, family.name)
        assert f"| `{exposed}` |" in DOC, f"{exposed} is missing from the metrics table of docs/operations.md"


def test_ginbot_commands_in_the_guide_exist() -> None:
    commands = re.findall(r"(?:exec -it|exec|run --rm) \S+ (ginbot [^\n`&|]+)", DOC)
    assert len(commands) >= 3
    for command in commands:
        argv = shlex.split(command, comments=True)
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit:
            raise AssertionError(f"docs/operations.md shows `{command}`, which the CLI does not accept") from None
