"""Customer payment credit (客户缴费信用评估): score, grade and the grade rules (DESIGN §4.7).

Pure rules. The set-based SQL in adapters/credit_sql.py computes exactly these for every customer
at once; tests hold the two to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

GRADES = ("C", "B", "A", "AA", "AAA")  # lowest → highest
THRESHOLDS = (("AAA", 90.0), ("AA", 80.0), ("A", 70.0), ("B", 60.0))
START_GRADE = "A"  # a new customer starts mid-scale
WINDOW_DAYS = 365
# Score weights: on-time ratio, days late, late count, arrears vs. the monthly bill; violation penalty.
W_ON_TIME, W_DAYS, W_LATE, W_ARREARS, VIOLATION_PENALTY = 40.0, 20.0, 15.0, 25.0, 20.0
DAYS_LATE_ZERO, LATE_COUNT_ZERO, ARREARS_MONTHS_ZERO = 30.0, 6.0, 3.0
UNPAID_FORCE_DAYS = 90  # a bill unpaid for 3 months forces the lowest grade
BAR_DAYS, THEFT_BAR_DAYS = 365, 730

# The paper's measures, in its words (texts people read; DESIGN §4.7 gives their English).
MEASURES = ["缩短抄表周期", "预付费装置"]
LARGE_CUSTOMER_MEASURES = ["银电存单质押", "用电备用金托管", "履约保函"]


def rank(grade: str) -> int:
    return GRADES.index(grade)


def grade_for(score: float) -> str:
    for grade, floor in THRESHOLDS:
        if score >= floor:
            return grade
    return "C"


@dataclass(frozen=True)
class Metrics:
    """A customer's payment record over the 12 months before the evaluation date."""

    bills: int
    on_time: int
    late: int
    days_late: int
    arrears: Decimal
    avg_bill: Decimal | None
    oldest_unpaid_due: date | None
    violation_in_window: bool = False


def score(m: Metrics) -> float | None:
    """0–100, two decimals; None without bills in the window."""
    if m.bills == 0:
        return None
    s = W_ON_TIME * m.on_time / m.bills
    s += W_DAYS * max(0.0, 1 - (m.days_late / m.bills) / DAYS_LATE_ZERO)
    s += W_LATE * max(0.0, 1 - m.late / LATE_COUNT_ZERO)
    ratio = float(m.arrears) / (ARREARS_MONTHS_ZERO * float(m.avg_bill)) if m.avg_bill else 0.0
    s += W_ARREARS * max(0.0, 1 - ratio)
    if m.violation_in_window:
        s -= VIOLATION_PENALTY
    return round(min(100.0, max(0.0, s)), 2)


@dataclass(frozen=True)
class Standing:
    """What forces or bars a grade, as of the evaluation date."""

    theft_on: date | None = None
    illegal_use_on: date | None = None
    old_arrears_no_agreement: bool = False
    oldest_unpaid_due: date | None = None
    barred_until: date | None = None


def forced_reasons(s: Standing, as_of: date) -> list[str]:
    reasons = []
    if s.theft_on and s.theft_on > as_of - timedelta(days=THEFT_BAR_DAYS):
        reasons.append("theft")
    if s.illegal_use_on and s.illegal_use_on > as_of - timedelta(days=BAR_DAYS):
        reasons.append("illegal_use")
    if s.old_arrears_no_agreement:
        reasons.append("old_arrears_without_agreement")
    if s.oldest_unpaid_due and s.oldest_unpaid_due <= as_of - timedelta(days=UNPAID_FORCE_DAYS):
        reasons.append("unpaid_3_months")
    return reasons


def bar_until(s: Standing, as_of: date, forced: list[str]) -> date | None:
    """Promotion is barred a year after a forcing condition (two after theft)."""
    dates = [d for d in (s.barred_until,) if d]
    if "theft" in forced and s.theft_on:
        dates.append(s.theft_on + timedelta(days=THEFT_BAR_DAYS))
    if "illegal_use" in forced and s.illegal_use_on:
        dates.append(s.illegal_use_on + timedelta(days=BAR_DAYS))
    if {"old_arrears_without_agreement", "unpaid_3_months"} & set(forced):
        dates.append(as_of + timedelta(days=BAR_DAYS))
    return max(dates) if dates else None


@dataclass(frozen=True)
class Evaluation:
    grade: str
    score: float | None
    barred_until: date | None
    reasons: list[str]

    def downgraded_from(self, previous: str | None) -> bool:
        return rank(self.grade) < rank(previous or START_GRADE)


def evaluate(previous: str | None, computed_score: float | None, standing: Standing, as_of: date) -> Evaluation:
    """Next grade: forced lowest; otherwise down at once, up at most one grade, never up while barred."""
    prev = previous or START_GRADE
    forced = forced_reasons(standing, as_of)
    barred = bar_until(standing, as_of, forced)
    if forced:
        return Evaluation("C", computed_score, barred, forced)
    target = START_GRADE if computed_score is None else grade_for(computed_score)
    if rank(target) <= rank(prev):
        return Evaluation(target, computed_score, barred, [])
    if barred and as_of < barred:
        return Evaluation(prev, computed_score, barred, ["promotion_barred"])
    new = GRADES[rank(prev) + 1]
    return Evaluation(new, computed_score, barred, ["one_grade_per_evaluation"] if new != target else [])


def at_risk(grade: str, arrears: Decimal) -> bool:
    return grade in ("B", "C") and arrears > 0


def measures(large: bool) -> list[str]:
    return MEASURES + (LARGE_CUSTOMER_MEASURES if large else [])


class InvalidRow(Exception):
    """A credit file refused: its row (1 is the header; None for the file as a whole), field and why."""

    def __init__(self, row: int | None, field: str, message: str) -> None:
        super().__init__(f"第 {row} 行 {field}：{message}" if row is not None else f"{field}：{message}")
        self.row, self.field, self.message = row, field, message
