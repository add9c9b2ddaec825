"""Recovery lights at each threshold boundary; org-tree validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.org_units import OrgUnit, check_batch
from services.scoring.domain.recovery import ArrearsTask, MonthFacts, check_profile, light_for
from services.scoring.domain.scheme import DEFAULT_LIGHTS

D = Decimal


def _light(collected: int, recovered: int | None = None,
           period: str = "2026-03") -> tuple[str, float | None, float | None]:
    months = [MonthFacts(f"2026-0{m}", D(1_000_000 if m == 1 else 0), D(collected if m == 1 else 0),
                         D(0 if recovered is None or m != 3 else recovered)) for m in (1, 2, 3)]
    task = None if recovered is None else ArrearsTask(2026, D(200_000), D(120_000))
    result = light_for("QY-QC-01", period, months, task, DEFAULT_LIGHTS)
    assert result is not None
    return result.light, result.recovery_rate, result.arrears_progress


@pytest.mark.parametrize(("collected", "light"), [
    (999_000, "green"),    # 99.90 % exactly: green
    (998_999, "yellow"),   # just below green
    (995_000, "yellow"),   # 99.50 % exactly: yellow
    (994_999, "red"),      # just below yellow
])
def test_recovery_rate_boundaries(collected: int, light: str) -> None:
    assert _light(collected)[0] == light


@pytest.mark.parametrize(("recovered", "light", "progress"), [
    (30_000, "green", 1.0),     # cumulative target by March = 120 000 × 3/12
    (27_000, "yellow", 0.9),    # 90 % exactly
    (26_999, "red", 0.899967),
])
def test_arrears_progress_boundaries(recovered: int, light: str, progress: float) -> None:
    got_light, rate, got_progress = _light(1_000_000, recovered)
    assert (got_light, rate, got_progress) == (light, 1.0, progress)


def test_worst_metric_wins_and_no_facts_no_light() -> None:
    assert _light(999_500, 27_000)[0] == "yellow"
    assert _light(990_000, 40_000)[0] == "red"
    assert light_for("X", "2026-03", [], None, DEFAULT_LIGHTS) is None


def test_previous_years_rate_and_profile() -> None:
    task = ArrearsTask(2026, D(200_000), D(120_000), check_profile([0.5] + [0.5 / 11] * 11, "profile"))
    result = light_for("U", "2026-01", [MonthFacts("2026-01", D(100), D(100), D(60_000))], task, DEFAULT_LIGHTS)
    assert result is not None
    assert result.previous_years_rate == 0.3 and result.arrears_progress == 1.0 and result.light == "green"
    with pytest.raises(InvalidInput):
        check_profile([0.1] * 12, "profile")


def test_org_batch_in_any_order_and_its_rejections() -> None:
    units = [OrgUnit("QY-QC-01", "石角供电所", "station", "QY-QC"), OrgUnit("QY-QC", "清城区局", "county", "QY"),
             OrgUnit("QY", "清远供电局", "city", None)]
    check_batch(units, {})
    for bad, field in [
        (OrgUnit("QY-QC-02", "x", "station", "QY-ZZ"), "units[0].parent"),   # unknown parent
        (OrgUnit("QY-QC-02", "x", "station", "QY"), "units[0].parent"),      # station without a county
        (OrgUnit("QY-QC-02", "x", "station", None), "units[0].parent"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            check_batch([bad], {u.code: u for u in units})
        assert exc.value.errors is not None
        assert exc.value.errors[0]["field"] == field
    with pytest.raises(InvalidInput) as exc:  # a county pointing at itself
        check_batch([OrgUnit("QY-A", "a", "county", "QY-A")], {})
    assert exc.value.errors is not None
    assert exc.value.errors[0]["field"] == "units[0].parent"
