"""Rules that turn an indicator's measured value into a 0–100 score (DESIGN §4.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RULE_TYPES = ("linear", "deduction", "bands", "efficacy")


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def apply(rule: Mapping[str, Any], value: float) -> float:
    """The score of `value` under a validated rule."""
    kind = rule["type"]
    if kind == "linear":
        zero_at, full_at = float(rule["zero_at"]), float(rule["full_at"])
        return _clamp(100.0 * (value - zero_at) / (full_at - zero_at))
    if kind == "deduction":
        return _clamp(100.0 - float(rule["points_per_unit"]) * value)
    if kind == "bands":
        score = 0.0
        for band in sorted(rule["bands"], key=lambda b: float(b["min"])):
            if value >= float(band["min"]):
                score = float(band["score"])
        return _clamp(score)
    if kind == "efficacy":  # 功效系数法
        good, bad = float(rule["satisfactory"]), float(rule["not_allowed"])
        return _clamp(60.0 + 40.0 * (value - bad) / (good - bad))
    raise ValueError(f"unknown rule type {kind!r}")


def check(rule: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Consistency problems of a rule's parameters as (field, message); empty when fine."""
    kind = rule.get("type")
    out: list[tuple[str, str]] = []

    def number(name: str) -> float | None:
        v = rule.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            out.append((name, "必填数值"))
            return None
        return float(v)

    if kind == "linear":
        zero_at, full_at = number("zero_at"), number("full_at")
        direction = rule.get("direction")
        if direction not in ("higher_better", "lower_better"):
            out.append(("direction", "须为 higher_better 或 lower_better"))
        if zero_at is not None and full_at is not None:
            if zero_at == full_at:
                out.append(("full_at", "zero_at 与 full_at 不能相同"))
            elif direction == "higher_better" and full_at < zero_at:
                out.append(("full_at", "higher_better 须 full_at > zero_at"))
            elif direction == "lower_better" and full_at > zero_at:
                out.append(("full_at", "lower_better 须 full_at < zero_at"))
    elif kind == "deduction":
        ppu = number("points_per_unit")
        if ppu is not None and ppu <= 0:
            out.append(("points_per_unit", "须为正数"))
    elif kind == "bands":
        bands = rule.get("bands")
        if not isinstance(bands, list) or not bands:
            out.append(("bands", "至少一个分段 {min, score}"))
        else:
            mins = [b.get("min") for b in bands if isinstance(b, dict)]
            if len(mins) != len(bands) or any(not isinstance(m, int | float) for m in mins):
                out.append(("bands", "每个分段须有数值型的 min 与 score"))
            elif len(set(mins)) != len(mins):
                out.append(("bands", "各分段的 min 不能相同"))
            for i, b in enumerate(bands):
                s = b.get("score") if isinstance(b, dict) else None
                if not isinstance(s, int | float) or not 0 <= s <= 100:
                    out.append((f"bands[{i}].score", "须为 0–100 之间的数"))
    elif kind == "efficacy":
        good, bad = number("satisfactory"), number("not_allowed")
        if good is not None and bad is not None and good == bad:
            out.append(("not_allowed", "satisfactory 与 not_allowed 不能相同"))
    else:
        out.append(("type", f"须为以下之一：{', '.join(RULE_TYPES)}"))
    return out
