"""Severity rules and inhibition rules (pure; the rule documents are data, edited through the API).

Severity rules calibrate what a source says: the first rule whose type and conditions hold sets the
severity; with none, the source's own severity stands. Inhibition rules (as in Alertmanager): an
active alert matching a rule's source matchers inhibits every alert matching its target matchers
that has the same values of the rule's `equal` labels. An inhibited alert is recorded, not sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.alerts.domain.alerts import SEVERITIES
from services.alerts.domain.silences import Matcher

OPS = ("=", "!=", "=~", ">=", ">", "<=", "<")


@dataclass(frozen=True)
class Condition:
    """A label compared with a value: text (=, !=, =~ a full-match regex) or number (>=, >, <=, <).
    A numeric comparison with a missing or non-numeric label does not hold."""

    label: str
    op: str
    value: str

    def holds(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label)
        if self.op == "=":
            return (actual or "") == self.value
        if self.op == "!=":
            return (actual or "") != self.value
        if self.op == "=~":
            return re.fullmatch(self.value, actual or "") is not None
        left, right = _number(actual), _number(self.value)
        if left is None or right is None:
            return False
        return {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}[self.op]


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class SeverityRule:
    name: str
    type: str
    conditions: tuple[Condition, ...]
    severity: str

    def applies(self, type_: str, labels: Mapping[str, str]) -> bool:
        return type_ == self.type and all(c.holds(labels) for c in self.conditions)


def calibrated_severity(rules: Iterable[SeverityRule], type_: str, labels: Mapping[str, str],
                        default: str) -> tuple[str, str | None]:
    """(severity, name of the rule that set it or None when the source's default stands)."""
    for rule in rules:
        if rule.applies(type_, labels):
            return rule.severity, rule.name
    return default, None


@dataclass(frozen=True)
class InhibitionRule:
    name: str
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    def is_source(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.source)

    def is_target(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.target)

    def inhibits(self, source: Mapping[str, str], target: Mapping[str, str]) -> bool:
        """Whether an active alert with labels `source` inhibits one with labels `target` (never itself:
        the caller passes two different alerts)."""
        return (self.is_source(source) and self.is_target(target)
                and all(source.get(k, "") == target.get(k, "") for k in self.equal))


# --- the documents (JSON) ------------------------------------------------------------------------

def parse_severity_rules(doc: Sequence[Mapping[str, Any]]) -> list[SeverityRule]:
    return [SeverityRule(r["name"], r["type"], tuple(Condition(c["label"], c["op"], str(c["value"]))
                                                      for c in r.get("conditions", ())), r["severity"])
            for r in doc]


def _matchers(items: Iterable[Mapping[str, Any]]) -> tuple[Matcher, ...]:
    return tuple(Matcher(m["name"], m["value"], m.get("is_regex", False)) for m in items)


def parse_inhibition_rules(doc: Sequence[Mapping[str, Any]]) -> list[InhibitionRule]:
    return [InhibitionRule(r["name"], _matchers(r["source_matchers"]), _matchers(r["target_matchers"]),
                           tuple(r.get("equal", ()))) for r in doc]


def severity_rule_problems(doc: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Field-named problems of a severity rule document (beyond its JSON shape)."""
    out = []
    for i, r in enumerate(doc):
        if r["severity"] not in SEVERITIES:
            out.append({"field": f"body.rules.{i}.severity", "message": f"须为以下之一：{', '.join(SEVERITIES)}"})
        for j, c in enumerate(r.get("conditions", ())):
            where = f"body.rules.{i}.conditions.{j}"
            if c["op"] in (">=", ">", "<=", "<") and _number(str(c["value"])) is None:
                out.append({"field": f"{where}.value", "message": f"{c['op']} 须比较数值"})
            if c["op"] == "=~" and (problem := _regex_problem(str(c["value"]))):
                out.append({"field": f"{where}.value", "message": f"不是有效的正则表达式：{problem}"})
    return out


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None
