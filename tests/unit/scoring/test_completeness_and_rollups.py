"""Issue 10's pure rules: required facts and count bases, incomplete stations in county and city
means, lights only from the month's facts, roll-ups Σ/Σ, warning causes and texts."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from services.scoring.domain.default_scheme import DEFAULT_SCHEME
from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.org_units import OrgUnit
from services.scoring.domain.publication import score_units
from services.scoring.domain.recovery import ArrearsTask, MonthFacts, light_for, sum_tasks, warning_message
from services.scoring.domain.rollup import unit_lights
from services.scoring.domain.scheme import DEFAULT_LIGHTS, parse_scheme
from services.scoring.domain.scoring import score_station
from tests.unit.scoring.test_rules_and_scores import GOOD

D = Decimal
SCHEME = parse_scheme(DEFAULT_SCHEME)
ORG = {u.code: u for u in (
    OrgUnit("QY", "清远供电局", "city", None), OrgUnit("QY-QC", "清城区供电局", "county", "QY"),
    OrgUnit("QY-YD", "英德市供电局", "county", "QY"), OrgUnit("QY-QC-01", "石角供电所", "station", "QY-QC"),
    OrgUnit("QY-QC-02", "龙塘供电所", "station", "QY-QC"), OrgUnit("QY-YD-01", "英城供电所", "station", "QY-YD"))}


def test_a_station_whose_only_fact_is_an_error_has_no_score_and_is_incomplete() -> None:
    result = score_station("QY-QC-02", SCHEME, {"bills_erroneous": 1})
    assert result.score is None  # not 100: every indicator lacks its base
    assert result.status == "incomplete" and result.missing == ("readings_planned", "bills_issued", "recon_due")
    assert set(result.no_data) == {i.code for i in result.indicators}


def test_reported_zero_is_not_never_reported() -> None:
    reported = score_station("S", SCHEME, {**GOOD, "anomalies_overdue": 0})
    absent = score_station("S", SCHEME, {k: v for k, v in GOOD.items() if k != "anomalies_overdue"})
    a = next(i for i in reported.indicators if i.code == "overdue_anomalies")
    b = next(i for i in absent.indicators if i.code == "overdue_anomalies")
    assert (a.value, a.read_as_zero, a.inputs) == (0.0, (), {"anomalies_overdue": 0.0})
    assert (b.value, b.read_as_zero, b.inputs) == (0.0, ("anomalies_overdue",), {"anomalies_overdue": None})
    no_base = score_station("S", SCHEME, {"readings_planned": 10, "readings_done": 10, "receivable_rollbacks": 0})
    rollbacks = next(i for i in no_base.indicators if i.code == "receivable_rollbacks")
    assert rollbacks.value is None  # its base bills_issued was not reported


def test_required_facts_default_and_validation() -> None:
    doc = copy.deepcopy(DEFAULT_SCHEME)
    del doc["required_facts"]
    # Without the declaration every ratio's denominator is required, the review indicator's too (issue 15).
    assert parse_scheme(doc).required_facts == ("readings_planned", "one_stop_due", "bills_issued", "recon_due",
                                                "review_suspects")
    doc["required_facts"] = ["bills_issued", "readings_guessed"]
    doc["stages"][1]["indicators"][1]["measure"]["base"] = ["bills_guessed"]
    doc["incomplete_stations"] = "sometimes"
    with pytest.raises(InvalidInput) as exc:
        parse_scheme(doc)
    assert exc.value.errors is not None
    assert {e["field"] for e in exc.value.errors} == {
        "required_facts[1]", "stages[1].indicators[1].measure.base[0]", "incomplete_stations"}


def test_incomplete_stations_are_unranked_and_left_out_of_county_and_city_means() -> None:
    counters = {"QY-QC-01": GOOD, "QY-QC-02": {"bills_erroneous": 1},
                "QY-YD-01": {**GOOD, "readings_done": 10000, "uploads_overdue": 0, "one_stop_done": 1000,
                             "bills_erroneous": 0, "anomalies_overdue": 0, "receivable_rollbacks": 0,
                             "recon_done": 100}}
    rows = {r.unit: r.record() for r in score_units(SCHEME, ORG, counters, {})}
    assert (rows["QY-QC-02"]["score"], rows["QY-QC-02"]["rank"]) == (None, None)
    assert (rows["QY-QC-01"]["rank"], rows["QY-YD-01"]["rank"]) == (2, 1)
    assert (rows["QY-QC"]["score"], rows["QY-QC"]["detail"]["missing"]) == (75.0, ["QY-QC-02"])
    city = rows["QY"]
    assert (city["level"], city["score"], city["rank"], city["detail"]["status"], city["detail"]["missing"]) == (
        "city", 87.5, 1, "incomplete", ["QY-QC"])
    partial = {**counters, "QY-QC-02": {k: GOOD[k] for k in ("readings_planned", "readings_done")}}
    include = parse_scheme({**DEFAULT_SCHEME, "incomplete_stations": "include"})
    rows = {r.unit: r.record() for r in score_units(include, ORG, partial, {})}
    assert rows["QY-QC-02"]["rank"] is not None and rows["QY-QC"]["detail"]["stations"][1]["averaged"] is True


def test_no_light_without_the_months_facts() -> None:
    task = ArrearsTask(2026, D(200_000), D(120_000))
    september = [MonthFacts("2026-09", D(100), D(100), D(0))]
    assert light_for("U", "2026-10", september, task, DEFAULT_LIGHTS) is None
    assert light_for("U", "2026-10", [], task, DEFAULT_LIGHTS) is None


def test_roll_ups_are_sums_not_means_and_own_facts_win() -> None:
    facts = {"QY-QC-01": [MonthFacts("2026-10", D(300_000), D(299_000), D(0))],
             "QY-QC-02": [MonthFacts("2026-10", D(100_000), D(100_000), D(0))],
             "QY-YD-01": [MonthFacts("2026-10", D(600_000), D(599_970), D(0))]}
    lights = unit_lights(ORG, facts, {}, "2026-10", DEFAULT_LIGHTS)
    assert (lights["QY-QC"].recovery_rate, lights["QY-QC"].level, lights["QY-QC"].basis) == (0.9975, "county",
                                                                                             "stations")
    assert (lights["QY"].recovery_rate, lights["QY"].basis) == (0.99897, "counties")
    lights = unit_lights(ORG, {**facts, "QY-YD": [MonthFacts("2026-10", D(600_000), D(600_000), D(0))]}, {},
                         "2026-10", DEFAULT_LIGHTS)
    assert (lights["QY-YD"].recovery_rate, lights["QY-YD"].basis, lights["QY"].recovery_rate) == (1.0, "own", 0.999)


def test_summed_tasks_keep_each_childs_cumulative_target() -> None:
    front = ArrearsTask(2026, D(100), D(120_000), tuple([0.5] + [0.5 / 11] * 11))
    even = ArrearsTask(2026, D(100), D(12_000))
    total = sum_tasks(2026, [front, even])
    assert total is not None
    assert total.annual_target == 132_000 and total.arrears_carried_over == 200
    assert float(total.annual_target) * total.profile[0] == pytest.approx(60_000 + 1_000)


@pytest.mark.parametrize(("collected", "recovered", "light", "text"), [
    (994_200, 100_000, "red", "石角供电所 2026-10 电费回收红灯：电费回收率 99.42%，低于绿灯 99.90%（黄灯线 99.50%），"
                              "差 0.48 个百分点"),
    (1_000_000, 62_000, "red", "石角供电所 2026-10 电费回收红灯：陈欠回收进度 62.0%，低于计划 100%（黄灯线 90%），"
                               "差 38.0 个百分点"),
    (999_700, 95_000, "yellow", "石角供电所 2026-10 电费回收黄灯：陈欠回收进度 95.0%，低于计划 100%（黄灯线 90%），"
                                "差 5.0 个百分点"),
    (999_700, 100_000, "green", "石角供电所 2026-10 电费回收绿灯：电费回收率 99.97%、陈欠回收进度 100.0% 均达绿灯线"),
])
def test_warning_names_the_measure_that_failed_and_by_how_much(collected: int, recovered: int, light: str,
                                                               text: str) -> None:
    result = light_for("QY-QC-01", "2026-10", [MonthFacts("2026-10", D(1_000_000), D(collected), D(recovered))],
                       ArrearsTask(2026, D(200_000), D(120_000)), DEFAULT_LIGHTS)
    assert result is not None
    assert result.light == light
    assert warning_message("石角供电所", result) == text
    assert all(c["grade"] != "green" for c in result.causes)
