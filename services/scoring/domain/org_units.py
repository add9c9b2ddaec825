"""The org tree city → county → station (DESIGN §4.1): validation of a bulk upsert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.scoring.domain.errors import InvalidInput
from shared.labels import LEVEL_ZH, zh

LEVELS = ("city", "county", "station")
PARENT_LEVEL = {"city": None, "county": "city", "station": "county"}
AREA_TYPES = ("urban", "rural")


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    level: str
    parent: str | None
    area_type: str | None = None


def check_batch(batch: Sequence[OrgUnit], existing: Mapping[str, OrgUnit]) -> None:
    """Reject the batch with the offending row when a parent is unknown, the levels do not nest
    (a station needs a county, a county a city) or the parents form a cycle."""
    errors: list[dict[str, str]] = []
    merged = dict(existing)
    rows: dict[str, int] = {}
    for i, u in enumerate(batch):
        if u.code in rows:
            errors.append({"field": f"units[{i}].code", "message": f"{u.code} 在本批中出现两次"})
        rows[u.code] = i
        merged[u.code] = u
    for i, u in enumerate(batch):
        where = f"units[{i}]"
        if u.level not in LEVELS:
            errors.append({"field": f"{where}.level", "message": f"须为以下之一：{', '.join(LEVELS)}"})
            continue
        if u.area_type is not None and u.area_type not in AREA_TYPES:
            errors.append({"field": f"{where}.area_type", "message": "须为 urban（城区）或 rural（农村）"})
        want = PARENT_LEVEL[u.level]
        if want is None:
            if u.parent is not None:
                errors.append({"field": f"{where}.parent", "message": "市局没有上级单位"})
            continue
        if u.parent is None:
            errors.append({"field": f"{where}.parent",
                           "message": f"{zh(LEVEL_ZH, u.level)}须以{zh(LEVEL_ZH, want)}为上级"})
            continue
        parent = merged.get(u.parent)
        if parent is None:
            errors.append({"field": f"{where}.parent", "message": f"没有上级单位 {u.parent}"})
        elif parent.level != want:
            errors.append({"field": f"{where}.parent",
                           "message": f"上级 {u.parent} 是{zh(LEVEL_ZH, parent.level)}，"
                                      f"{zh(LEVEL_ZH, u.level)}须以{zh(LEVEL_ZH, want)}为上级"})
    if not errors:  # levels nest strictly, so a cycle can only come from a self-parent chain
        for i, u in enumerate(batch):
            seen, cur = {u.code}, merged.get(u.parent) if u.parent else None
            while cur is not None:
                if cur.code in seen:
                    errors.append({"field": f"units[{i}].parent", "message": f"经 {cur.code} 形成循环"})
                    break
                seen.add(cur.code)
                cur = merged.get(cur.parent) if cur.parent else None
    if errors:
        raise InvalidInput("单位数据无效", errors)
