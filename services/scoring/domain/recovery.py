"""Fee-recovery traffic lights (电费回收率红黄绿灯, DESIGN §4.3).

Year to date up to the period: recovery_rate = Σcollected / Σreceivable (累计回收率, which is also
the current-year rate: this year's bills); previous_years_rate = Σarrears_recovered / arrears carried
over; arrears_progress = Σarrears_recovered / cumulative target, the annual arrears task split by a
monthly profile (even by default). Green when every computable metric meets its green threshold,
yellow when each meets at least its yellow one, red otherwise.

A light stands on facts: a unit without recovery facts for the month itself has no light (an arrears
task alone, or earlier months, say nothing about this month's collections). County and city figures
are roll-ups: per month, a unit's own facts when given at its level, else the sum of its children's
(Σcollected / Σreceivable of the stations, never a mean of rates); its arrears task is its own or the
sum of its children's (cumulative targets add up month by month).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.scoring.domain.errors import InvalidInput

EVEN_PROFILE: tuple[float, ...] = (1 / 12,) * 12


@dataclass(frozen=True)
class MonthFacts:
    period: str
    receivable: Decimal
    collected: Decimal
    arrears_recovered: Decimal


@dataclass(frozen=True)
class ArrearsTask:
    year: int
    arrears_carried_over: Decimal
    annual_target: Decimal
    profile: tuple[float, ...] = EVEN_PROFILE


@dataclass(frozen=True)
class LightResult:
    unit: str
    period: str
    light: str
    recovery_rate: float | None
    current_year_rate: float | None
    previous_years_rate: float | None
    arrears_progress: float | None
    cumulative_target: float | None
    level: str = "station"
    basis: str = "own"  # own facts, or the roll-up of its "stations" / "counties"
    causes: tuple[dict[str, Any], ...] = field(default=())  # each measure below green (LightCause)


def check_profile(profile: Sequence[float], field: str) -> tuple[float, ...]:
    if len(profile) != 12 or any(p < 0 for p in profile) or abs(sum(profile) - 1.0) > 1e-9:
        raise InvalidInput("回收任务无效", [
            {"field": field, "message": "须为 12 个非负的月度比例，合计为 1"}])
    return tuple(float(p) for p in profile)


def check_task_year(year: int, current_year: int) -> None:
    """Tasks are set for this year or earlier ones, never for a year that has not begun."""
    if year > current_year:
        raise InvalidInput("年份尚未开始", [
            {"field": "year", "message": f"{year} 年晚于今年（{current_year} 年）"}])


def cumulative_target(task: ArrearsTask, month: int) -> float:
    return float(task.annual_target) * sum(task.profile[:month])


def _ratio(num: Decimal | float, den: Decimal | float) -> float | None:
    return None if not den else round(float(num) / float(den), 6)


def _grade(value: float | None, thresholds: Mapping[str, float]) -> str | None:
    if value is None:
        return None
    if value >= thresholds["green"]:
        return "green"
    return "yellow" if value >= thresholds["yellow"] else "red"


MEASURES = ("recovery_rate", "arrears_progress")
_SEVERITY = {"red": 0, "yellow": 1, "green": 2}


def light_for(unit: str, period: str, months: Sequence[MonthFacts], task: ArrearsTask | None,
              thresholds: Mapping[str, Mapping[str, float]], level: str = "station",
              basis: str = "own") -> LightResult | None:
    """The light of `unit` for `period` from its facts this year up to the period; None when it has
    no facts for the period itself or no metric can be computed (no receivable, no arrears task)."""
    year, month = int(period[:4]), int(period[5:])
    ytd = [m for m in months if m.period[:4] == str(year) and m.period <= period]
    if not any(m.period == period for m in ytd):
        return None
    receivable = sum((m.receivable for m in ytd), Decimal(0))
    collected = sum((m.collected for m in ytd), Decimal(0))
    recovered = sum((m.arrears_recovered for m in ytd), Decimal(0))
    rate = _ratio(collected, receivable)
    target = cumulative_target(task, month) if task else None
    progress = _ratio(recovered, target) if target else None
    previous = _ratio(recovered, task.arrears_carried_over) if task else None
    grades = [g for g in (_grade(rate, thresholds["recovery_rate"]),
                          _grade(progress, thresholds["arrears_progress"])) if g]
    if not grades:
        return None
    light = "red" if "red" in grades else "yellow" if "yellow" in grades else "green"
    causes: list[dict[str, Any]] = []
    for measure, value in (("recovery_rate", rate), ("arrears_progress", progress)):
        grade = _grade(value, thresholds[measure])
        if grade is not None and grade != "green":
            causes.append({"measure": measure, "value": value, "green": float(thresholds[measure]["green"]),
                           "yellow": float(thresholds[measure]["yellow"]), "grade": grade})
    causes.sort(key=lambda c: (_SEVERITY[c["grade"]], MEASURES.index(c["measure"])))
    return LightResult(unit, period, light, rate, rate, previous, progress,
                       None if target is None else round(target, 2), level, basis, tuple(causes))


def sum_months(children: Sequence[Sequence[MonthFacts]]) -> list[MonthFacts]:
    """Month by month, the sum of the children's facts (months none of them has are left out)."""
    by_month: dict[str, list[MonthFacts]] = defaultdict(list)
    for months in children:
        for m in months:
            by_month[m.period].append(m)
    return [MonthFacts(p, sum((m.receivable for m in ms), Decimal(0)), sum((m.collected for m in ms), Decimal(0)),
                       sum((m.arrears_recovered for m in ms), Decimal(0))) for p, ms in sorted(by_month.items())]


def own_or_rolled_up(own: Sequence[MonthFacts], children: Sequence[Sequence[MonthFacts]]) -> list[MonthFacts]:
    """Per month: the unit's own facts when given at its level, else its children's sum."""
    mine = {m.period: m for m in own}
    rolled = {m.period: m for m in sum_months(children)}
    return [mine.get(p) or rolled[p] for p in sorted(set(mine) | set(rolled))]


def sum_tasks(year: int, tasks: Sequence[ArrearsTask]) -> ArrearsTask | None:
    """The children's arrears tasks as one: carried-over and targets add up, and the monthly profile
    is target-weighted so that each cumulative target is the sum of the children's."""
    if not tasks:
        return None
    total = sum((t.annual_target for t in tasks), Decimal(0))
    carried = sum((t.arrears_carried_over for t in tasks), Decimal(0))
    if not total:
        return ArrearsTask(year, carried, total)
    profile = tuple(sum(float(t.annual_target) * t.profile[i] for t in tasks) / float(total) for i in range(12))
    return ArrearsTask(year, carried, total, profile)


def _pct(x: float, places: int) -> str:
    return f"{x * 100:.{places}f}%"


def _threshold(x: float, places: int) -> str:
    text = f"{x * 100:.{places}f}"
    return (text.rstrip("0").rstrip(".") if "." in text and places == 1 else text) + "%"


LIGHT_ZH = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}


def cause_text(cause: Mapping[str, Any]) -> str:
    """One failed measure in Chinese: its value, the target it missed and by how much."""
    gap = (cause["green"] - cause["value"]) * 100
    if cause["measure"] == "recovery_rate":
        return (f"电费回收率 {_pct(cause['value'], 2)}，低于绿灯 {_threshold(cause['green'], 2)}"
                f"（黄灯线 {_threshold(cause['yellow'], 2)}），差 {gap:.2f} 个百分点")
    return (f"陈欠回收进度 {_pct(cause['value'], 1)}，低于计划 {_threshold(cause['green'], 1)}"
            f"（黄灯线 {_threshold(cause['yellow'], 1)}），差 {gap:.1f} 个百分点")


def warning_message(name: str, light: LightResult) -> str:
    """The warning in Chinese: the unit, month and light, then each measure that failed, worst first."""
    head = f"{name} {light.period} 电费回收{LIGHT_ZH[light.light]}"
    if light.causes:
        return head + "：" + "；".join(cause_text(c) for c in light.causes)
    met = []
    if light.recovery_rate is not None:
        met.append(f"电费回收率 {_pct(light.recovery_rate, 2)}")
    if light.arrears_progress is not None:
        met.append(f"陈欠回收进度 {_pct(light.arrears_progress, 1)}")
    return head + "：" + "、".join(met) + " 均达绿灯线"
