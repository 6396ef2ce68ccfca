"""One backoff for every retry loop in ginbot (after aiogram's ``utils/backoff.py``).

Each loop that waits longer after each failure (the sender's rows, the worker and Telegram waiting for the
platforms at start, LINE's push retries, a staff account locked after wrong passwords) describes its waits
with one ``Backoff`` and asks it for the delay. The maths lives here only, so a change to how ginbot backs
off is one change, and every loop is tested by the same table.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Past this many doublings every delay is long at its cap; stopping the exponent here keeps
# ``factor ** n`` from overflowing a float for a row that failed thousands of times.
_MAX_EXPONENT = 64


@dataclass(frozen=True)
class Backoff:
    """Exponential waits: ``first_s``, then ``factor`` times longer each retry, never above ``max_s``.

    ``jitter`` is the share of each wait that is random: 0 waits exactly, 0.5 is "equal jitter" (half fixed,
    half random), so thousands of rows failed by one outage do not all come back in the same second.
    """

    first_s: float
    max_s: float
    factor: float = 2.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.first_s < 0 or self.max_s < self.first_s:
            raise ValueError(f"backoff needs 0 <= first_s <= max_s, got {self.first_s} and {self.max_s}")
        if self.factor < 1:
            raise ValueError(f"backoff factor must be at least 1, got {self.factor}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"backoff jitter is a share between 0 and 1, got {self.jitter}")

    def ceiling_s(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (1 = the first retry)."""
        exponent = min(_MAX_EXPONENT, max(0, attempt - 1))
        return min(self.max_s, self.first_s * self.factor**exponent)

    def delay_s(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before retry number ``attempt`` (1 = the first retry)."""
        ceiling = self.ceiling_s(attempt)
        if self.jitter == 0:
            return ceiling
        random_part = ceiling * self.jitter
        return ceiling - random_part + (rng or random).uniform(0, random_part)
