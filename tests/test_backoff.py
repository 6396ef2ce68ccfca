"""The one backoff every retry loop uses, and a guard that no module grows its own copy again."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

import ginbot
from ginbot.backoff import Backoff

PACKAGE = Path(ginbot.__file__).parent


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [
        (1, 2.5, 5.0),
        (2, 5.0, 10.0),
        (3, 10.0, 20.0),
        (6, 80.0, 160.0),
        (10, 300.0, 600.0),
        (30, 300.0, 600.0),
        (10_000, 300.0, 600.0),  # a row that failed forever: capped, no float overflow
    ],
)
def test_equal_jitter_grows_and_is_capped(attempt: int, low: float, high: float) -> None:
    backoff = Backoff(first_s=5.0, max_s=600.0, jitter=0.5)
    rng = random.Random(42)
    delays = [backoff.delay_s(attempt, rng) for _ in range(200)]
    assert all(low <= d <= high for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # jittered, not one value for everyone


def test_without_jitter_the_waits_are_exact() -> None:
    backoff = Backoff(first_s=1.0, max_s=60.0)
    assert [backoff.delay_s(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert [Backoff(first_s=0.2, max_s=1.0, factor=5).delay_s(n) for n in (1, 2, 3)] == [0.2, 1.0, 1.0]


def test_jitter_is_reproducible_with_a_seed() -> None:
    backoff = Backoff(first_s=1, max_s=60, jitter=0.5)
    a = [backoff.delay_s(n, random.Random(7)) for n in range(1, 8)]
    b = [backoff.delay_s(n, random.Random(7)) for n in range(1, 8)]
    assert a == b


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_s": -1, "max_s": 1},
        {"first_s": 5, "max_s": 1},
        {"first_s": 1, "max_s": 5, "factor": 0.5},
        {"first_s": 1, "max_s": 5, "jitter": 2},
    ],
)
def test_nonsense_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**kwargs)


def _growing_waits(tree: ast.AST) -> list[int]:
    """Lines that grow a wait by hand: ``x ** y`` or ``delay = … delay * n``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            found.append(node.lineno)
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            grows = isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Mult)
            grows |= any(
                isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)
                and any(isinstance(side, ast.Name) and side.id in names for side in (n.left, n.right))
                for n in ast.walk(node.value)
            )  # fmt: skip
            if grows and any("delay" in name or "wait" in name or "pause" in name for name in names):
                found.append(node.lineno)
    return found


def test_no_module_writes_its_own_backoff() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "backoff.py" and "migrations" not in path.parts
        for lines in [_growing_waits(ast.parse(path.read_text(encoding="utf-8")))]
        if lines
    }
    assert offenders == {}, f"use ginbot.backoff.Backoff instead: {offenders}"
