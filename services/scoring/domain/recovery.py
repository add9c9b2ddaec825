"""Fee-recovery traffic lights (电费回收率红黄绿灯, DESIGN §4.3).

Year to date up to the period: recovery_rate = Σcollected / Σreceivable (累计回收率, which is also
the current-year rate: this year's bills); previous_years_rate = Σarrears_recovered / arrears carried
over; arrears_progress = Σarrears_recovered / cumulative target, the annual arrears task split by a
monthly profile (even by default). Green when every computable metric meets its green threshold,
yellow when each meets at least its yellow one, red otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

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


def check_profile(profile: Sequence[float], field: str) -> tuple[float, ...]:
    if len(profile) != 12 or any(p < 0 for p in profile) or abs(sum(profile) - 1.0) > 1e-9:
        raise InvalidInput("Invalid recovery task", [
            {"field": field, "message": "12 non-negative monthly shares summing to 1"}])
    return tuple(float(p) for p in profile)


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


def light_for(unit: str, period: str, months: Sequence[MonthFacts], task: ArrearsTask | None,
              thresholds: Mapping[str, Mapping[str, float]]) -> LightResult | None:
    """The light of `unit` for `period` from its facts this year up to the period; None when no
    metric can be computed (no receivable and no arrears task)."""
    year, month = int(period[:4]), int(period[5:])
    ytd = [m for m in months if m.period[:4] == str(year) and m.period <= period]
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
    return LightResult(unit, period, light, rate, rate, previous, progress,
                       None if target is None else round(target, 2))
