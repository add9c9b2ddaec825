"""Schemes (考核方案): stages and weighted indicators, validated as a whole (DESIGN §4.2)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.scoring.domain import rules
from services.scoring.domain.counters import COUNTERS, KNOWN
from services.scoring.domain.errors import InvalidInput
from shared.patterns import PERIOD_PATTERN

WEIGHT_TOLERANCE = 1e-9
DEFAULT_RED_BELOW = 60.0
DEFAULT_TICKET_THRESHOLD = 80.0
DEFAULT_LIGHTS: dict[str, dict[str, float]] = {
    "recovery_rate": {"green": 0.999, "yellow": 0.995},
    "arrears_progress": {"green": 1.0, "yellow": 0.9},
}
INCOMPLETE_STATIONS = ("exclude", "include")
_PERIOD = re.compile(PERIOD_PATTERN)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    kind: str
    weight: float
    measure: Mapping[str, Any]
    rule: Mapping[str, Any]
    stage: str


@dataclass(frozen=True)
class Stage:
    code: str
    name: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    effective_from: str
    stages: tuple[Stage, ...]
    lights: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: DEFAULT_LIGHTS)
    red_below: float = DEFAULT_RED_BELOW
    ticket_threshold: float = DEFAULT_TICKET_THRESHOLD
    required_facts: tuple[str, ...] = ()  # counters a station must have reported to be `complete`
    incomplete_stations: str = "exclude"  # exclude: incomplete stations are neither ranked nor averaged


def derived_required_facts(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    """The facts a scheme without `required_facts` needs: the bases its indicators divide by
    (ratio denominators and `per` counters), in counter order."""
    needed = set()
    for stage in stages:
        for ind in stage.indicators:
            if ind.measure.get("type") == "ratio":
                needed.add(ind.measure.get("denominator"))
            if isinstance(ind.measure.get("per"), dict):
                needed.add(ind.measure["per"].get("counter"))
    return tuple(c for c in COUNTERS if c in needed)


def _check_measure(measure: Any, path: str, errors: list[dict[str, str]]) -> None:
    def counter(name: str, where: str) -> None:
        c = measure.get(name) if isinstance(measure, dict) else None
        if c not in KNOWN:
            errors.append({"field": f"{path}.{where}", "message": f"未知计数项 {c!r}"})

    if not isinstance(measure, dict):
        errors.append({"field": path, "message": "必填对象"})
        return
    if measure.get("type") == "ratio":
        counter("numerator", "numerator")
        counter("denominator", "denominator")
    elif measure.get("type") == "count":
        counter("counter", "counter")
        base = measure.get("base")
        if base is not None:
            if not isinstance(base, list) or not base:
                errors.append({"field": f"{path}.base", "message": "须为非空的计数项列表"})
            else:
                errors += [{"field": f"{path}.base[{i}]", "message": f"未知计数项 {c!r}"}
                           for i, c in enumerate(base) if c not in KNOWN]
    else:
        errors.append({"field": f"{path}.type", "message": "须为 ratio 或 count"})
    per = measure.get("per")
    if per is not None:
        if not isinstance(per, dict) or per.get("counter") not in KNOWN:
            errors.append({"field": f"{path}.per.counter", "message": "未知计数项"})
        unit = per.get("unit", 1) if isinstance(per, dict) else None
        if isinstance(unit, bool) or not isinstance(unit, int | float) or unit <= 0:
            errors.append({"field": f"{path}.per.unit", "message": "须为正数"})


def _weights(items: list[Any], path: str, what: str, errors: list[dict[str, str]]) -> None:
    total = 0.0
    for i, item in enumerate(items):
        w = item.get("weight")
        if isinstance(w, bool) or not isinstance(w, int | float) or w <= 0:
            errors.append({"field": f"{path}[{i}].weight", "message": "须为正数"})
            return
        total += w
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        errors.append({"field": f"{path}", "message": f"{what}权重合计为 {total:.12g}，不是 1"})


def _check_lights(lights: Any, errors: list[dict[str, str]]) -> None:
    if not isinstance(lights, dict):
        errors.append({"field": "lights", "message": "必填对象"})
        return
    for metric in DEFAULT_LIGHTS:
        t = lights.get(metric)
        if not isinstance(t, dict) or not all(isinstance(t.get(k), int | float) for k in ("green", "yellow")):
            errors.append({"field": f"lights.{metric}", "message": "须给出数值型的 green 与 yellow"})
        elif t["yellow"] > t["green"]:
            errors.append({"field": f"lights.{metric}.yellow", "message": "yellow 不得超过 green"})


def parse_scheme(doc: Mapping[str, Any]) -> Scheme:
    """A validated Scheme from its JSON document; InvalidInput lists every problem found."""
    errors: list[dict[str, str]] = []
    for name in ("code", "name"):
        if not isinstance(doc.get(name), str) or not doc.get(name):
            errors.append({"field": name, "message": "必填文本"})
    if not isinstance(doc.get("effective_from"), str) or not _PERIOD.match(doc["effective_from"]):
        errors.append({"field": "effective_from", "message": "须为账期 YYYY-MM"})
    stages_doc = doc.get("stages")
    if not isinstance(stages_doc, list) or not stages_doc:
        errors.append({"field": "stages", "message": "至少一个阶段"})
        raise InvalidInput("评分方案无效", errors)
    _weights(stages_doc, "stages", "各阶段", errors)
    seen: set[str] = set()
    stages = []
    for si, s in enumerate(stages_doc):
        inds_doc = s.get("indicators")
        if not isinstance(inds_doc, list) or not inds_doc:
            errors.append({"field": f"stages[{si}].indicators", "message": "至少一个指标"})
            continue
        _weights(inds_doc, f"stages[{si}].indicators", f"阶段 {s.get('code')!r} 的指标", errors)
        indicators = []
        for ii, ind in enumerate(inds_doc):
            path = f"stages[{si}].indicators[{ii}]"
            code = ind.get("code")
            if code in seen:
                errors.append({"field": f"{path}.code", "message": f"指标 {code!r} 重复"})
            seen.add(code)
            if ind.get("kind", "assessment") not in ("assessment", "process"):
                errors.append({"field": f"{path}.kind", "message": "须为 assessment 或 process"})
            _check_measure(ind.get("measure"), f"{path}.measure", errors)
            rule = ind.get("rule")
            if not isinstance(rule, dict):
                errors.append({"field": f"{path}.rule", "message": "必填对象"})
            else:
                errors += [{"field": f"{path}.rule.{f}", "message": m} for f, m in rules.check(rule)]
            indicators.append(Indicator(str(code), str(ind.get("name", code)), ind.get("kind", "assessment"),
                                        float(ind.get("weight") or 0), ind.get("measure") or {}, rule or {},
                                        str(s.get("code"))))
        stages.append(Stage(str(s.get("code")), str(s.get("name", s.get("code"))), float(s.get("weight") or 0),
                            tuple(indicators)))
    lights = doc.get("lights", DEFAULT_LIGHTS)
    _check_lights(lights, errors)
    for name in ("red_below", "ticket_threshold"):
        v = doc.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100):
            errors.append({"field": name, "message": "须为 0–100 之间的数"})
    required = doc.get("required_facts")
    if required is not None:
        if not isinstance(required, list):
            errors.append({"field": "required_facts", "message": "须为计数项列表"})
        else:
            errors += [{"field": f"required_facts[{i}]", "message": f"未知计数项 {c!r}"}
                       for i, c in enumerate(required) if c not in KNOWN]
    incomplete = doc.get("incomplete_stations", "exclude")
    if incomplete not in INCOMPLETE_STATIONS:
        errors.append({"field": "incomplete_stations", "message": "须为 exclude 或 include"})
    if errors:
        raise InvalidInput("评分方案无效", errors)
    stages_t = tuple(stages)
    return Scheme(doc["code"], doc["name"], doc["effective_from"], stages_t, lights,
                  _or(doc.get("red_below"), DEFAULT_RED_BELOW),
                  _or(doc.get("ticket_threshold"), DEFAULT_TICKET_THRESHOLD),
                  tuple(dict.fromkeys(required)) if required is not None else derived_required_facts(stages_t),
                  incomplete)


def _or(value: Any, default: float) -> float:
    return default if value is None else float(value)


def in_force(schemes: list[Scheme], period: str) -> Scheme | None:
    """The scheme scoring `period`: the latest effective_from not after it (ties: the last stored)."""
    candidates = [s for s in schemes if s.effective_from <= period]
    return max(candidates, key=lambda s: s.effective_from) if candidates else None
