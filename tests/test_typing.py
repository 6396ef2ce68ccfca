"""mypy runs strict in `make lint` and CI, and the seams between packages are typed, not Any."""

from __future__ import annotations

import ast
import inspect
import tomllib

from ginbot.channels import telegram
from ginbot.core.understanding import NluUnderstanding
from ginbot.web.admin import context
from tests.conftest import ROOT


def test_mypy_is_configured_strict_for_every_run() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config.get("strict") is True
    # Untyped libraries are named one by one; a global switch would hide a missing stub for any new one.
    assert "ignore_missing_imports" not in config
    assert config.get("warn_unused_ignores", True) is True
    for override in config.get("overrides", []):
        assert not any(m.startswith("ginbot") for m in override["module"]), override


def _annotation_of_attribute(cls: type, attribute: str) -> str:
    tree = ast.parse(inspect.getsource(cls))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Attribute)
            and node.target.attr == attribute
        ):
            return ast.unparse(node.annotation)
    raise AssertionError(f"{cls.__name__}.{attribute} has no annotated assignment")


def test_the_seams_name_their_types() -> None:
    assert NluUnderstanding.__init__.__annotations__["nlu"] == "Nlu"
    assert context.nlu_of.__annotations__["return"] == "Retrainable | None"
    assert _annotation_of_attribute(telegram.TelegramChannel, "staff") == "StaffBroadcasts | None"
    bot = inspect.getattr_static(telegram.TelegramChannel, "bot")
    assert isinstance(bot, property) and bot.fget is not None
    assert "Any" not in bot.fget.__annotations__["return"]
