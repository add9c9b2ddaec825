"""Which units get a ticket automatically (pure rules)."""

from __future__ import annotations

from datetime import date

from services.audit_link.domain.autoraise import (
    OpenAnomaly,
    StationScore,
    low_score,
    next_period,
    previous_period,
    repeated_red,
    unrectified,
)


def test_low_score_only_for_stations_under_threshold() -> None:
    scores = [StationScore("A-1", "station", 79.99, frozenset()), StationScore("A-2", "station", 80.0, frozenset()),
              StationScore("A", "county", 10.0, frozenset()), StationScore("A-3", "station", None, frozenset())]
    assert [p.unit for p in low_score("2026-10", scores, 80.0)] == ["A-1"]


def test_same_red_indicator_two_months_running() -> None:
    current = {"A-1": frozenset({"bill_error_rate", "one_stop_rate"}), "A-2": frozenset({"x"})}
    previous = {"A-1": frozenset({"bill_error_rate"}), "A-2": frozenset({"y"})}
    [p] = repeated_red("2026-01", current, previous)
    assert (p.unit, p.period, p.reason) == ("A-1", "2026-01", "repeated_red_indicator")
    assert "bill_error_rate" in p.detail and "one_stop_rate" not in p.detail


def test_periods_roll_over_years() -> None:
    assert previous_period("2026-01") == "2025-12" and next_period("2025-12") == "2026-01"


def test_overdue_unrectified_anomalies_grouped_per_unit() -> None:
    anomalies = [OpenAnomaly("a1", "A-1", date(2026, 10, 1)), OpenAnomaly("a2", "A-1", date(2026, 10, 2)),
                 OpenAnomaly("a3", "A-2", date(2026, 11, 30))]
    [p] = unrectified("2026-10", anomalies, date(2026, 11, 5))
    assert p.unit == "A-1" and "a1" in p.detail and "a2" in p.detail


def test_an_incomplete_station_gets_no_low_score_ticket() -> None:
    # Scored from half its facts, a station's figure says nothing about its work: no ticket on it.
    scores = [StationScore("A-1", "station", 40.0, frozenset(), complete=False),
              StationScore("A-2", "station", 40.0, frozenset(), complete=True)]
    assert [p.unit for p in low_score("2026-10", scores, 80.0)] == ["A-2"]
