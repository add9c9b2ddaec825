"""The review rules (codes fixed by the contract) and the versioned rule set's thresholds.

A rule set maps each rule code to {enabled, severity, thresholds}. The SQL that evaluates a rule
lives in the adapter (adapters/rule_sql.py); what it implements is this table (defaults):

- reading_reversed   curr_reading < prev_reading and not meter_changed
- kwh_mismatch       not meter_changed and |kwh − (curr − prev) × multiplier| > tolerance_kwh (1)
- tou_sum            peak/flat/valley given and |peak + flat + valley − kwh| > tolerance_kwh (1)
- zero_kwh           kwh = 0 and last month ≥ min_last_month_kwh (50)
- surge              last month ≥ min_last_month_kwh (100) and kwh > factor (3) × last month
- drop               last month ≥ min_last_month_kwh (100) and 0 < kwh < factor (0.3) × last month
- tariff_category    the tariff's category ≠ the bill's category, or the tariff is unknown
- amount_mismatch    known tariff and |amount − kwh × price| > max(tolerance_yuan (1), tolerance_share (1 %) × |amount|)
- multiplier_changed multiplier ≠ the customer's previous bill's multiplier

"last month" is the bill's `last_month_kwh`, else the kWh of the customer's bill of the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITIES = ("info", "warning", "critical")
CATEGORIES = ("resident", "commercial", "industrial", "large_industrial", "agricultural")


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    title: str  # 中文名称, for people
    severity: str
    thresholds: dict[str, float]
    error_category: str  # the audit category a confirmed suspect of this rule defaults to


RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition("reading_reversed", "示数倒走", "critical", {}, "reading"),
    RuleDefinition("kwh_mismatch", "电量与示数不符", "critical", {"tolerance_kwh": 1}, "reading"),
    RuleDefinition("tou_sum", "峰平谷电量之和不符", "warning", {"tolerance_kwh": 1}, "reading"),
    RuleDefinition("zero_kwh", "零电量", "warning", {"min_last_month_kwh": 50}, "reading"),
    RuleDefinition("surge", "电量突增", "warning", {"min_last_month_kwh": 100, "factor": 3}, "reading"),
    RuleDefinition("drop", "电量突减", "warning", {"min_last_month_kwh": 100, "factor": 0.3}, "reading"),
    RuleDefinition("tariff_category", "电价类别不符", "critical", {}, "tariff"),
    RuleDefinition("amount_mismatch", "电费金额不符", "critical", {"tolerance_yuan": 1, "tolerance_share": 0.01},
                   "tariff"),
    RuleDefinition("multiplier_changed", "倍率变化", "warning", {}, "billing_parameter"),
)
BY_CODE = {r.code: r for r in RULES}


class InvalidRuleSet(Exception):
    def __init__(self, problems: list[dict[str, str]]):
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems


def default_rule_set() -> dict[str, dict[str, Any]]:
    return {r.code: {"enabled": True, "severity": r.severity, "thresholds": dict(r.thresholds)} for r in RULES}


def merge_rule_set(current: dict[str, dict[str, Any]], changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rule set `current` with `changes` applied (rules or thresholds not named keep their values).

    Refuses unknown rules or thresholds, and thresholds that are not non-negative numbers."""
    problems: list[dict[str, str]] = []
    merged = {code: {**cfg, "thresholds": dict(cfg.get("thresholds", {}))} for code, cfg in current.items()}
    for code, definition in BY_CODE.items():  # a stored set from an older version may lack a rule
        merged.setdefault(code, {"enabled": True, "severity": definition.severity,
                                 "thresholds": dict(definition.thresholds)})
    for code, change in changes.items():
        where = f"body.rules.{code}"
        if code not in BY_CODE:
            problems.append({"field": where, "message": f"未知规则；可用规则：{', '.join(BY_CODE)}"})
            continue
        target = merged[code]
        if change.get("enabled") is not None:
            target["enabled"] = bool(change["enabled"])
        if change.get("severity") is not None:
            if change["severity"] not in SEVERITIES:
                problems.append({"field": f"{where}.severity", "message": f"须为以下之一：{', '.join(SEVERITIES)}"})
            else:
                target["severity"] = change["severity"]
        for name, value in (change.get("thresholds") or {}).items():
            if name not in BY_CODE[code].thresholds:
                known = ", ".join(BY_CODE[code].thresholds) or "无"
                problems.append({"field": f"{where}.thresholds.{name}",
                                 "message": f"未知阈值；可用阈值：{known}"})
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append({"field": f"{where}.thresholds.{name}", "message": "须为 ≥ 0 的数"})
            else:
                target["thresholds"][name] = value
    if problems:
        raise InvalidRuleSet(problems)
    return merged
