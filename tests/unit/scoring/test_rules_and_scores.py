"""Hand-computed golden cases: every rule type, the default scheme, no-data re-normalisation, counties."""

from __future__ import annotations

import copy

import pytest

from services.scoring.domain import rules
from services.scoring.domain.default_scheme import DEFAULT_SCHEME
from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.scheme import in_force, parse_scheme
from services.scoring.domain.scoring import county_score, rank, score_station

GOOD = {
    "readings_planned": 10000, "readings_done": 9990, "uploads_overdue": 2, "one_stop_due": 1000,
    "one_stop_done": 950, "bills_issued": 20000, "bills_erroneous": 4, "anomalies_overdue": 3,
    "receivable_rollbacks": 1, "recon_due": 100, "recon_done": 98, "writeoffs_next_day": 0,
}


def test_efficacy_paper_example() -> None:
    # 功效系数法: 60 + 40 × (5.81 − 6) / (12 − 6) = 58.7333…
    assert round(rules.apply({"type": "efficacy", "satisfactory": 12, "not_allowed": 6}, 5.81), 2) == 58.73
    assert rules.apply({"type": "efficacy", "satisfactory": 12, "not_allowed": 6}, 30) == 100
    assert rules.apply({"type": "efficacy", "satisfactory": 12, "not_allowed": 6}, -20) == 0


@pytest.mark.parametrize(("rule", "value", "expected"), [
    ({"type": "linear", "direction": "higher_better", "zero_at": 0.98, "full_at": 1.0}, 0.999, 95.0),
    ({"type": "linear", "direction": "higher_better", "zero_at": 0.98, "full_at": 1.0}, 0.97, 0.0),
    ({"type": "linear", "direction": "higher_better", "zero_at": 0.98, "full_at": 1.0}, 1.0, 100.0),
    ({"type": "linear", "direction": "lower_better", "zero_at": 0.0005, "full_at": 0.0}, 0.0002, 60.0),
    ({"type": "linear", "direction": "lower_better", "zero_at": 0.0005, "full_at": 0.0}, 0.001, 0.0),
    ({"type": "deduction", "points_per_unit": 5}, 3, 85.0),
    ({"type": "deduction", "points_per_unit": 10}, 12, 0.0),
    ({"type": "bands", "bands": [{"min": 0.9, "score": 100}, {"min": 0, "score": 40}, {"min": 0.5, "score": 80}]},
     0.7, 80.0),
    ({"type": "bands", "bands": [{"min": 0.9, "score": 100}, {"min": 0, "score": 40}]}, 0.9, 100.0),
    ({"type": "bands", "bands": [{"min": 0, "score": 40}]}, -1, 0.0),
])
def test_rules(rule: dict, value: float, expected: float) -> None:
    assert rules.apply(rule, value) == pytest.approx(expected, abs=1e-9)


def test_default_scheme_golden_station() -> None:
    scheme = parse_scheme(DEFAULT_SCHEME)
    result = score_station("QY-QC-01", scheme, GOOD)
    # reading 0.4×95 + 0.3×50 + 0.3×80 = 77; review 0.5×60 + 0.25×85 + 0.25×95 = 75;
    # reconciliation 0.7×60 + 0.3×100 = 72; station 0.3×77 + 0.5×75 + 0.2×72 = 75
    assert [(s.code, s.score) for s in result.stages] == [("reading", 77.0), ("review", 75.0),
                                                          ("reconciliation", 72.0)]
    assert result.score == 75.0
    by_code = {i.code: i for i in result.indicators}
    assert by_code["overdue_uploads"].value == pytest.approx(2.0)
    assert by_code["bill_error_rate"].points_lost == 10.0  # 0.5 × 0.5 × (100 − 60)
    assert sum(i.points_lost for i in result.indicators) == pytest.approx(100 - 75.0)
    assert [i.code for i in result.weakest()] == ["bill_error_rate", "reconciliation_rate", "one_stop_rate"]
    assert result.red_indicators(60) == ["one_stop_rate"]


def test_zero_denominator_is_no_data_and_the_stage_renormalises() -> None:
    scheme = parse_scheme(DEFAULT_SCHEME)
    result = score_station("QY-QC-01", scheme, {**GOOD, "recon_due": 0, "recon_done": 0})
    recon = next(i for i in result.indicators if i.code == "reconciliation_rate")
    assert recon.value is None and recon.score is None and recon.points_lost == 0
    stage = next(s for s in result.stages if s.code == "reconciliation")
    assert stage.score == 100.0 and stage.renormalised
    # GOOD has no review counters: the pre-release review indicator is no data too (issue 15)
    assert result.no_data == ("review_handling_rate", "reconciliation_rate")
    assert result.score == 80.6  # 23.1 + 37.5 + 0.2 × 100


def test_station_without_facts_has_no_score_and_no_rank() -> None:
    scheme = parse_scheme(DEFAULT_SCHEME)
    assert score_station("QY-QC-09", scheme, None).score is None
    assert rank({"A": 80.0, "B": None, "C": 90.0, "D": 80.0}) == {"A": 2, "B": None, "C": 1, "D": 2}


def test_county_is_the_plain_mean_of_its_stations() -> None:
    assert county_score([75.0, 80.6, 90.1]) == 81.9
    assert county_score([70.0, None]) == 70.0
    assert county_score([None]) is None
    assert county_score([1 / 3, 0.0]) == 0.1667  # 4 decimals


def _errors(doc: dict) -> list[dict]:
    with pytest.raises(InvalidInput) as exc:
        parse_scheme(doc)
    assert exc.value.errors is not None
    return exc.value.errors


def test_weights_must_sum_to_one() -> None:
    doc = copy.deepcopy(DEFAULT_SCHEME)
    doc["stages"][0]["weight"] = 0.31
    assert _errors(doc)[0]["field"] == "stages"
    doc = copy.deepcopy(DEFAULT_SCHEME)
    doc["stages"][1]["indicators"][0]["weight"] = 0.49
    assert [e["field"] for e in _errors(doc)] == ["stages[1].indicators"]
    doc = copy.deepcopy(DEFAULT_SCHEME)
    doc["stages"][0]["weight"] = 0.3 + 1e-12  # within 1e-9 tolerance
    parse_scheme(doc)


def test_rule_and_counter_consistency() -> None:
    doc = copy.deepcopy(DEFAULT_SCHEME)
    doc["stages"][0]["indicators"][0]["rule"]["full_at"] = 0.98
    doc["stages"][0]["indicators"][1]["measure"]["numerator"] = "readings_guessed"
    doc["stages"][2]["indicators"][1]["rule"] = {"type": "efficacy", "satisfactory": 6, "not_allowed": 6}
    fields = {e["field"] for e in _errors(doc)}
    assert fields == {"stages[0].indicators[0].rule.full_at", "stages[0].indicators[1].measure.numerator",
                      "stages[2].indicators[1].rule.not_allowed"}


def test_scheme_in_force_is_the_latest_effective_not_after_the_period() -> None:
    a = parse_scheme(DEFAULT_SCHEME)
    b = parse_scheme({**DEFAULT_SCHEME, "code": "qy-2026", "effective_from": "2026-07"})
    assert in_force([a, b], "2026-06") is a
    assert in_force([a, b], "2026-07") is b
    assert in_force([b], "2026-01") is None
