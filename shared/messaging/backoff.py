"""Exponential back-off with jitter: 0.2 s doubling up to a cap, each pause drawn in [½, 1] of it.

The jitter spreads the retries of many consumers and replicas, so a database coming back is not
met by all of them in the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_s: float = 0.2
    cap_s: float = 30.0

    def delays(self) -> Iterator[float]:
        ceiling = self.base_s
        while True:
            yield random.uniform(ceiling / 2, ceiling)
            ceiling = min(self.cap_s, ceiling * 2)
