"""Every library ginbot imports is declared in pyproject.toml, not merely installed by another one."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import ROOT


def _imported_top_level_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "ginbot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"ginbot", "__future__"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return {re.split(r"[\[<>=!~; ]", d, maxsplit=1)[0].lower().replace("_", "-") for d in wanted}


def test_every_imported_library_is_declared() -> None:
    by_module = packages_distributions()
    undeclared = {
        module: by_module.get(module, ["?"])
        for module in _imported_top_level_modules()
        if not {d.lower().replace("_", "-") for d in by_module.get(module, [])} & _declared()
    }
    assert undeclared == {}, "add these to pyproject.toml's dependencies"
