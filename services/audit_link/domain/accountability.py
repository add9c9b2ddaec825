"""Accountability grading of billing errors (差错问责), DESIGN §4.4 — not by amount alone.

points = amount band + nature + repetition; the level follows from the points. Every number lives
in `AccountabilityPolicy`, so a bureau can change them without a release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

LEVELS: tuple[str, ...] = ("reminder", "notice", "assessment", "accountability")


@dataclass(frozen=True)
class AccountabilityPolicy:
    # (upper bound exclusive in yuan, points); amounts at or above the last bound get `amount_top_points`.
    amount_bands: tuple[tuple[Decimal, int], ...] = (
        (Decimal(1_000), 1), (Decimal(10_000), 2), (Decimal(100_000), 3))
    amount_top_points: int = 4
    nature_points: dict[str, int] = field(default_factory=lambda: {
        "clerical": 1, "negligence": 2, "violation": 3, "fraud": 5})
    repetition_window_months: int = 12
    # points for the n-th error of the same unit and category in the window (1st: 0, 2nd: 1, 3rd+: 2)
    repetition_points: tuple[int, ...] = (0, 1, 2)
    # lowest points of each level above "reminder": notice ≥ 3, assessment ≥ 5, accountability ≥ 7
    level_floors: tuple[tuple[str, int], ...] = (("accountability", 7), ("assessment", 5), ("notice", 3))


@dataclass(frozen=True)
class Grade:
    points: int
    level: str
    occurrence: int  # this error is the n-th of its unit and category in the window


def amount_points(policy: AccountabilityPolicy, amount: Decimal) -> int:
    magnitude = abs(amount)
    for bound, points in policy.amount_bands:
        if magnitude < bound:
            return points
    return policy.amount_top_points


def repetition_points(policy: AccountabilityPolicy, occurrence: int) -> int:
    table = policy.repetition_points
    return table[min(occurrence, len(table)) - 1]


def level_for(policy: AccountabilityPolicy, points: int) -> str:
    for level, floor in policy.level_floors:
        if points >= floor:
            return level
    return "reminder"


def grade(policy: AccountabilityPolicy, *, amount: Decimal, nature: str, earlier_in_window: int) -> Grade:
    """Grade an error given how many errors of its unit and category precede it in the window."""
    occurrence = earlier_in_window + 1
    points = amount_points(policy, amount) + policy.nature_points[nature] + repetition_points(policy, occurrence)
    return Grade(points, level_for(policy, points), occurrence)


def window_start(policy: AccountabilityPolicy, period: str) -> str:
    """The first period (YYYY-MM) of the repetition window that ends with `period`."""
    year, month = map(int, period.split("-"))
    index = year * 12 + (month - 1) - (policy.repetition_window_months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def level_rank(level: str) -> int:
    return LEVELS.index(level)
