"""Which units get a ticket automatically (DESIGN §4.5): a station scoring under the scheme's
threshold, a station with the same red indicator two months running, a unit whose anomalies are
past their due date and still unrectified. Pure: the facts are passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StationScore:
    unit: str
    level: str
    score: float | None
    red_indicators: frozenset[str]
    complete: bool = True  # an incomplete station's partial score is no verdict on its work


@dataclass(frozen=True)
class Proposal:
    unit: str
    period: str
    reason: str
    detail: str


def previous_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"


def low_score(period: str, scores: Iterable[StationScore], threshold: float) -> list[Proposal]:
    return [
        Proposal(s.unit, period, "low_score", f"{period} 得分 {s.score:.2f} 低于 {threshold:g} 分")
        for s in scores if s.level == "station" and s.complete and s.score is not None and s.score < threshold
    ]


def repeated_red(period: str, current: Mapping[str, frozenset[str]],
                 previous: Mapping[str, frozenset[str]]) -> list[Proposal]:
    """Stations red on the same indicator in `period` and the month before it."""
    out = []
    for unit, reds in sorted(current.items()):
        both = sorted(reds & previous.get(unit, frozenset()))
        if both:
            out.append(Proposal(unit, period, "repeated_red_indicator",
                                f"连续两个月红色指标：{'、'.join(both)}"))
    return out


@dataclass(frozen=True)
class OpenAnomaly:
    anomaly_id: str
    unit: str
    due_on: date


def unrectified(period: str, anomalies: Iterable[OpenAnomaly], today: date) -> list[Proposal]:
    """One proposal per unit with anomalies past due and unrectified as of `today`."""
    by_unit: dict[str, list[str]] = {}
    for a in anomalies:
        if a.due_on < today:
            by_unit.setdefault(a.unit, []).append(a.anomaly_id)
    return [
        Proposal(unit, period, "unrectified_anomalies",
                 f"{len(ids)} 项异常逾期未整改 (overdue unrectified anomalies): {', '.join(sorted(ids)[:20])}")
        for unit, ids in sorted(by_unit.items())
    ]
