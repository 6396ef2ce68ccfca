"""The stubs' per-second view of a send rate, as the acceptance test and bench/broadcast.py read it."""

from __future__ import annotations

import pytest

from ginbot.testing.stub_server import busiest_second, per_second


@pytest.mark.parametrize(
    ("times", "seconds", "busiest"),
    [
        ([], [], 0),
        ([5.0], [1], 1),
        # Whole seconds count from the first message.
        ([10.0, 10.5, 10.99, 11.0, 12.5], [3, 1, 1], 3),
        # Two seconds of 3 each, but a window across their border holds 4: busiest is the stricter view.
        ([0.0, 0.6, 0.7, 1.2, 1.3, 1.9], [3, 3], 4),
        # Order of arrival does not matter.
        ([2.0, 0.0, 1.0], [1, 1, 1], 1),
    ],
)
def test_per_second_counts(times: list[float], seconds: list[int], busiest: int) -> None:
    assert per_second(times) == seconds
    assert busiest_second(times) == busiest
