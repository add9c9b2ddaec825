"""Accountability grading (DESIGN §4.4): not by amount alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.audit_link.domain.accountability import AccountabilityPolicy, grade, level_rank, window_start

P = AccountabilityPolicy()


def test_small_fraud_outranks_large_clerical_slip() -> None:
    fraud = grade(P, amount=Decimal("500"), nature="fraud", earlier_in_window=0)
    clerical = grade(P, amount=Decimal("-200000"), nature="clerical", earlier_in_window=0)
    assert (fraud.points, clerical.points) == (6, 5)
    assert fraud.points > clerical.points
    assert level_rank(fraud.level) >= level_rank(clerical.level)


@pytest.mark.parametrize(("amount", "nature", "earlier", "points", "level"), [
    ("999.99", "clerical", 0, 2, "reminder"),
    ("1000", "clerical", 0, 3, "notice"),
    ("-9999", "negligence", 0, 4, "notice"),
    ("10000", "negligence", 0, 5, "assessment"),
    ("99999.99", "violation", 0, 6, "assessment"),
    ("100000", "violation", 0, 7, "accountability"),
    ("10", "clerical", 1, 3, "notice"),   # second in the window: +1
    ("10", "clerical", 2, 4, "notice"),   # third: +2
    ("10", "clerical", 7, 4, "notice"),   # later ones: +2
    ("500", "fraud", 2, 8, "accountability"),
])
def test_points_and_levels(amount: str, nature: str, earlier: int, points: int, level: str) -> None:
    g = grade(P, amount=Decimal(amount), nature=nature, earlier_in_window=earlier)
    assert (g.points, g.level, g.occurrence) == (points, level, earlier + 1)


def test_numbers_are_configurable() -> None:
    strict = AccountabilityPolicy(nature_points={"clerical": 3, "negligence": 3, "violation": 4, "fraud": 7})
    assert grade(strict, amount=Decimal("1"), nature="clerical", earlier_in_window=0).level == "notice"


def test_repetition_window_spans_twelve_periods() -> None:
    assert window_start(P, "2026-10") == "2025-11"
    assert window_start(P, "2026-12") == "2026-01"
    assert window_start(AccountabilityPolicy(repetition_window_months=3), "2026-02") == "2025-12"
