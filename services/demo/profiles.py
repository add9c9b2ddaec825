"""How each station fares month by month: most are good, a few struggle, improve or slip."""

from __future__ import annotations

import random
from collections.abc import Sequence

from services.demo.org import Station

GOOD, WEAK, BAD = "good", "weak", "bad"


def station_health(rng: random.Random, stations: Sequence[Station], months: int = 12) -> dict[str, list[str]]:
    """unit → one health level per month (oldest first). Deterministic for a given rng state."""
    n = len(stations)
    codes = [s.code for s in stations]
    order = codes[:]
    rng.shuffle(order)
    struggling = max(1, round(n * 0.07))
    improving = max(1, round(n * 0.07))
    slipping = max(1, round(n * 0.05))
    wobbly = max(1, round(n * 0.13))
    kinds: dict[str, str] = {}
    for kind, count in (("struggling", struggling), ("improving", improving), ("slipping", slipping),
                        ("wobbly", wobbly)):
        for code in order[:count]:
            kinds[code] = kind
        order = order[count:]
    out = {}
    for code in codes:
        kind = kinds.get(code, "good")
        levels = []
        for m in range(months):
            if kind == "struggling":
                level = BAD if rng.random() < 0.5 else WEAK
            elif kind == "improving":
                level = BAD if m < months // 4 else (WEAK if m < months // 4 + 2 else GOOD)
            elif kind == "slipping":
                level = GOOD if m < months - 3 else (WEAK if m == months - 3 else BAD)
            elif kind == "wobbly":
                level = WEAK if rng.random() < 0.3 else GOOD
            else:
                level = GOOD if rng.random() < 0.95 else WEAK
            levels.append(level)
        out[code] = levels
    return out

