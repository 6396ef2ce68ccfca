"""One family of API stubs, in ginbot.testing: shipped in the wheel, usable without pytest."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

from tests.conftest import ROOT


def test_no_second_family_of_stubs_in_the_tests() -> None:
    servers = {
        f"{path.relative_to(ROOT)}:{node.name}"
        for path in (ROOT / "tests").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Stub")
    }
    assert servers == set(), "use ginbot.testing's LineStub and TelegramStub"


def test_the_stubs_are_part_of_the_package() -> None:
    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["ginbot*"] and not any("testing" in e for e in find.get("exclude", []))


def test_the_stubs_import_without_pytest() -> None:
    code = (
        "import sys; sys.modules['pytest'] = None\n"  # any import of pytest now fails
        "import ginbot.testing.line_stub, ginbot.testing.telegram_stub, ginbot.testing.payloads\n"
        "import ginbot.wiring, ginbot.web.app, ginbot.delivery.runner\n"
        "assert not any(m.startswith('ginbot.testing') for m in list(sys.modules) if m.startswith('ginbot.w'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


STUB_MODULES = re.compile(r"ginbot\.testing(?:\.| import )(?:line_stub|telegram_stub|stub_server|fixtures|payloads)")


def test_nothing_in_ginbot_imports_the_stubs() -> None:
    # (ginbot.testing.conversations is different: `ginbot test-conversations` runs it.)
    importers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "ginbot").rglob("*.py")
        if "testing" not in path.parts and STUB_MODULES.search(path.read_text(encoding="utf-8"))
    }
    assert importers == set()
