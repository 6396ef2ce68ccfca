"""The settled heap of `ginbot serve`: long-lived objects out of the collector's way, nothing leaked."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ginbot.web import lifecycle


class Model:
    """Stands in for a trained NLU: long-lived, and part of a reference cycle."""

    def __init__(self) -> None:
        self.myself = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_the_heap_is_settled_once_the_app_has_started() -> None:
    app = web.Application()
    lifecycle.settle_heap_after_startup(app)
    assert gc.get_freeze_count() == 0
    async with TestServer(app):
        assert gc.get_freeze_count() > 0
        # Garbage made while serving is still collected as usual.
        later = Model()
        later_ref = weakref.ref(later)
        del later
        gc.collect()
        assert later_ref() is None


async def test_a_model_replaced_by_a_retrain_is_freed_after_resettling() -> None:
    old = Model()
    old_ref = weakref.ref(old)
    lifecycle.settle_heap()  # `ginbot serve` at start-up: the old model is frozen
    del old
    gc.collect()
    assert old_ref() is not None, "frozen objects are not collected"

    lifecycle.resettle_heap()  # after the retrain
    assert old_ref() is None
    assert gc.get_freeze_count() > 0


def test_resettling_does_nothing_in_a_process_that_never_settled() -> None:
    lifecycle.resettle_heap()
    assert gc.get_freeze_count() == 0
