"""ginbot.web has no import circle: every module takes the app's keys from ginbot.web.keys, and only the
composition root (ginbot.web.app, used by the CLI) imports the modules it puts together."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import ginbot

PACKAGE_DIR = Path(ginbot.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every ginbot module ``path`` imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found & known


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def test_web_modules_import_no_circle() -> None:
    graph = _graph()
    web = {name: {m for m in deps if m.startswith("ginbot.web")} for name, deps in graph.items() if name.startswith("ginbot.web")}
    # A package's own __init__ importing its modules is how packages work, not a circle.
    for name, deps in web.items():
        web[name] = {m for m in deps if not name.startswith(m + ".")}
    try:
        tuple(TopologicalSorter(web).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle in ginbot.web: {' -> '.join(exc.args[1])}") from None


def test_only_the_cli_imports_the_composition_root() -> None:
    importers = sorted(name for name, deps in _graph().items() if "ginbot.web.app" in deps)
    assert importers == ["ginbot.cli"]
