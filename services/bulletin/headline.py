"""Whose figures a bulletin headlines, and how lights are counted (pure rules over the APIs' rows).

The headline is the caller's top unit — the city for a bureau-wide reader, the county for a county's —
with that unit's own score and recovery rate as scoring gives them (county and city: Σcollected /
Σreceivable of their stations). A unit's figure is never stood in by a child's: without one it says
"无数据". Lights are counted per level, a unit with no recovery facts as `none`, apart from the colours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.bulletin import model

LEVEL_ORDER = {"city": 0, "county": 1, "station": 2}


def top_units(units: Iterable[Mapping[str, Any]], visible: Callable[[str], bool]) -> list[Mapping[str, Any]]:
    """The visible org units whose parent the caller cannot see (the roots of what it may read)."""
    units = list(units)
    seen = {u["code"] for u in units if visible(u["code"])}
    roots = [u for u in units if u["code"] in seen and u.get("parent") not in seen]
    return sorted(roots, key=lambda u: (LEVEL_ORDER.get(u["level"], 3), u["code"]))


def recovery_of(row: Mapping[str, Any] | None, explained: Mapping[str, Any] | None,
                light_item: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The unit's own recovery figures: from its score row or explanation (scoring's roll-up), else its
    own light; None when the unit has none."""
    for source in (row, (row or {}).get("detail"), explained):
        recovery = (source or {}).get("recovery")
        if recovery:
            return recovery
    return light_item


def light_key(light: str | None) -> str:
    return light if light in ("green", "yellow", "red") else "none"


def level_lights(units: Iterable[Mapping[str, Any]], visible: Callable[[str], bool], skip: set[str],
                 light_of: Callable[[str], str | None]) -> tuple[model.LevelLights, ...]:
    """Light counts per level of the visible units (except `skip`, the headlined ones)."""
    counts: dict[str, dict[str, int]] = {}
    for u in units:
        if not visible(u["code"]) or u["code"] in skip:
            continue
        level = counts.setdefault(u["level"], dict.fromkeys(model.LIGHT_KEYS, 0))
        level[light_key(light_of(u["code"]))] += 1
    return tuple(model.LevelLights(level, c) for level, c in
                 sorted(counts.items(), key=lambda kv: LEVEL_ORDER.get(kv[0], 3)))
