"""Counters → scores: revisions, county means, explanations, events through the outbox, lights, report."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from sqlalchemy import text

from shared.testing.plugin import token
from tests.helpers import runtime_of
from tests.integration.scoring.conftest import ADMIN

GOOD = {
    "readings_planned": 10000, "readings_done": 9990, "uploads_overdue": 2, "one_stop_due": 1000,
    "one_stop_done": 950, "bills_issued": 20000, "bills_erroneous": 4, "anomalies_overdue": 3,
    "receivable_rollbacks": 1, "recon_due": 100, "recon_done": 98, "writeoffs_next_day": 0,
}  # hand-computed with the default scheme: 75.0 (see tests/unit/scoring)
PERFECT = {**GOOD, "readings_done": 10000, "uploads_overdue": 0, "one_stop_done": 1000, "bills_erroneous": 0,
           "anomalies_overdue": 0, "receivable_rollbacks": 0, "recon_done": 100}


async def _put(client: httpx.AsyncClient, batch: str, rows: list[dict], period: str = "2026-10") -> httpx.Response:
    return await client.put(f"/api/v1/facts/{period}/counters", json={"batch_id": batch, "rows": rows},
                            headers=ADMIN)


async def _outbox(client: httpx.AsyncClient) -> list[dict]:
    runtime = runtime_of(client)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_type, key, payload FROM m2c_outbox WHERE event_type IN "
                                       "('ScoresPublished', 'RecoveryWarningIssued') ORDER BY id"))
        return [dict(r._mapping) for r in rows]


async def test_counters_are_idempotent_by_batch_id(org: httpx.AsyncClient) -> None:
    r = await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": {"readings_planned": 100}}])
    assert r.status_code == 200 and r.json()["applied"] is True
    r = await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": {"readings_planned": 999}}])
    assert r.status_code == 200 and r.json()["applied"] is False
    counters = (await org.get("/api/v1/facts/2026-10/counters", headers=ADMIN)).json()["items"]
    assert counters == [{"unit": "QY-QC-01", "counters": {"readings_planned": 100}}]
    r = await _put(org, "b-2", [{"unit": "QY-QC-01", "counters": {"readings_guessed": 1}}])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[0].counters.readings_guessed"
    r = await _put(org, "b-3", [{"unit": "QY-QC", "counters": {"readings_planned": 1}}])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[0].unit"
    r = await _put(org, "b-4", [{"unit": "QY-QC-01", "counters": {"readings_planned": -1}}])
    assert r.status_code == 422


async def test_score_period_revisions_county_mean_and_explanation(org: httpx.AsyncClient) -> None:
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD},
                            {"unit": "QY-QC-02", "counters": {**GOOD, "recon_due": 0, "recon_done": 0}},
                            {"unit": "QY-YD-01", "counters": PERFECT}])
    r = await org.post("/api/v1/periods/2026-10/score", headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["revision"] == 1 and r.json()["stations"] == 3

    stations = (await org.get("/api/v1/scores?period=2026-10&level=station", headers=ADMIN)).json()
    assert [(i["unit"], i["score"], i["rank"]) for i in stations["items"]] == [
        ("QY-YD-01", 100.0, 1), ("QY-QC-02", 80.6, 2), ("QY-QC-01", 75.0, 3)]
    qc02 = next(i for i in stations["items"] if i["unit"] == "QY-QC-02")
    assert qc02["no_data"] == ["review_handling_rate", "reconciliation_rate"]  # no bill review reported (issue 15)
    assert next(s for s in qc02["stages"] if s["code"] == "reconciliation") == {
        "code": "reconciliation", "name": "集中对账管理", "score": 100.0, "renormalised": True}
    counties = (await org.get("/api/v1/scores?period=2026-10&level=county", headers=ADMIN)).json()["items"]
    assert [(i["unit"], i["score"], i["rank"]) for i in counties] == [("QY-YD", 100.0, 1), ("QY-QC", 77.8, 2)]

    explained = (await org.get("/api/v1/scores/2026-10/QY-QC-01", headers=ADMIN)).json()
    ber = next(i for i in explained["indicators"] if i["code"] == "bill_error_rate")
    assert ber["inputs"] == {"bills_erroneous": 4.0, "bills_issued": 20000.0}
    assert ber["value"] == 0.0002 and ber["score"] == 60.0 and ber["points_lost"] == 10.0
    assert ber["rule"]["type"] == "linear"
    assert [w["code"] for w in explained["weakest"]] == ["bill_error_rate", "reconciliation_rate", "one_stop_rate"]
    assert explained["red_indicators"] == ["one_stop_rate"]
    county = (await org.get("/api/v1/scores/2026-10/QY-QC", headers=ADMIN)).json()
    assert county["stations"] == [{"unit": "QY-QC-01", "score": 75.0, "status": "complete", "averaged": True},
                                  {"unit": "QY-QC-02", "score": 80.6, "status": "complete", "averaged": True}]

    # late facts → re-score makes revision 2; revision 1 stays readable
    await _put(org, "b-2", [{"unit": "QY-QC-01", "counters": {"bills_erroneous": 0}}])
    assert (await org.post("/api/v1/periods/2026-10/score", headers=ADMIN)).json()["revision"] == 2
    latest = (await org.get("/api/v1/scores/2026-10/QY-QC-01", headers=ADMIN)).json()
    first = (await org.get("/api/v1/scores/2026-10/QY-QC-01?revision=1", headers=ADMIN)).json()
    assert (latest["revision"], latest["score"]) == (2, 85.0) and (first["revision"], first["score"]) == (1, 75.0)
    assert len((await org.get("/api/v1/periods/2026-10/revisions", headers=ADMIN)).json()["items"]) == 2

    published = [e for e in await _outbox(org) if e["event_type"] == "ScoresPublished"]
    assert [e["payload"]["data"]["revision"] for e in published] == [1, 2]
    units = {u["unit"]: u for u in published[0]["payload"]["data"]["units"]}
    assert units["QY-QC-01"]["level"] == "station" and units["QY-QC-01"]["score"] == 75.0
    assert units["QY-QC-01"]["red_indicators"] == ["one_stop_rate"]
    assert units["QY-QC"]["level"] == "county" and units["QY-QC"]["score"] == 77.8
    assert published[0]["payload"]["data"]["ticket_threshold"] == 80.0

    trend = (await org.get("/api/v1/scores/QY-QC-01/trend?from=2026-01&to=2026-12", headers=ADMIN)).json()
    assert [(t["period"], t["revision"], t["score"]) for t in trend["items"]] == [("2026-10", 2, 85.0)]


async def test_readers_are_scoped_and_scoring_needs_admin(org: httpx.AsyncClient) -> None:
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-YD-01", "counters": GOOD}])
    assert (await org.post("/api/v1/periods/2026-10/score", headers=token("viewer"))).status_code == 403
    retry = {**token("system"), "Idempotency-Key": "run-1"}
    # QY-QC-02 has no facts: publishing it (as incomplete) is an explicit choice (issue 10)
    first = await org.post("/api/v1/periods/2026-10/score?allow_incomplete=true", headers=retry)
    again = await org.post("/api/v1/periods/2026-10/score?allow_incomplete=true", headers=retry)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["revision"] == again.json()["revision"] == 1
    station = token("station", units=("QY-QC-01",))
    items = (await org.get("/api/v1/scores?period=2026-10", headers=station)).json()["items"]
    assert [i["unit"] for i in items] == ["QY-QC-01"]
    # issue 11: out of scope reads as absent (404, was 403)
    assert (await org.get("/api/v1/scores/2026-10/QY-YD-01", headers=station)).status_code == 404
    assert (await org.get("/api/v1/scores?period=2026-09", headers=ADMIN)).status_code == 404
    assert (await org.get("/api/v1/scores?period=2026-13", headers=ADMIN)).status_code == 422


async def test_recovery_lights_warnings_and_report(org: httpx.AsyncClient) -> None:
    r = await org.put("/api/v1/recovery/tasks/2026", json={"rows": [
        {"unit": "QY-QC-01", "arrears_carried_over": "200000", "annual_target": "120000"},
        {"unit": "QY-YD-01", "arrears_carried_over": "0", "annual_target": "0"}]}, headers=ADMIN)
    assert r.status_code == 200, r.text
    for period, rows in {
        "2026-09": [{"unit": "QY-QC-01", "receivable": "500000", "collected": "500000", "arrears_recovered": "80000"},
                    {"unit": "QY-YD-01", "receivable": "500000", "collected": "497000"}],
        "2026-10": [{"unit": "QY-QC-01", "receivable": "500000", "collected": "499000", "arrears_recovered": "0"},
                    {"unit": "QY-YD-01", "receivable": "500000", "collected": "499000"}],
    }.items():
        r = await org.put(f"/api/v1/recovery/{period}/facts", json={"rows": rows}, headers=ADMIN)
        assert r.status_code == 200
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-YD-01", "counters": PERFECT}])

    lights = (await org.get("/api/v1/recovery/lights?period=2026-10", headers=ADMIN)).json()["items"]
    by_unit = {i["unit"]: i for i in lights}
    # QY-QC-01: 999 000 / 1 000 000 = 99.90 % (green); arrears 80 000 / (120 000 × 10/12) = 0.8 → red
    assert (by_unit["QY-QC-01"]["recovery_rate"], by_unit["QY-QC-01"]["arrears_progress"]) == (0.999, 0.8)
    assert by_unit["QY-QC-01"]["light"] == "red" and by_unit["QY-QC-01"]["previous_years_rate"] == 0.4
    # QY-YD-01: 996 000 / 1 000 000 = 99.60 % → yellow; no arrears target
    assert (by_unit["QY-YD-01"]["light"], by_unit["QY-YD-01"]["arrears_progress"]) == ("yellow", None)

    # QY-QC-02 has no facts (allow_incomplete); the counties and the city get lights from their stations' roll-up
    score = "/api/v1/periods/2026-10/score?allow_incomplete=true"
    assert (await org.post(score, headers=ADMIN)).json()["warnings_issued"] == 5
    assert (await org.post(score, headers=ADMIN)).json()["warnings_issued"] == 0
    warnings = [e for e in await _outbox(org) if e["event_type"] == "RecoveryWarningIssued"]
    assert sorted((e["key"], e["payload"]["data"]["light"]) for e in warnings) == [
        ("QY", "red"), ("QY-QC", "red"), ("QY-QC-01", "red"), ("QY-YD", "yellow"), ("QY-YD-01", "yellow")]
    published = [e for e in await _outbox(org) if e["event_type"] == "ScoresPublished"][0]["payload"]["data"]
    assert {u["unit"]: u["light"] for u in published["units"]}["QY-QC-01"] == "red"

    r = await org.get("/api/v1/scoring/reports/2026-10.xlsx", headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["概况", "县区局排名", "供电所排名", "回收率红黄绿灯", "主要失分"]
    stations = list(wb["供电所排名"].iter_rows(min_row=2, values_only=True))
    assert [(s[0], s[1], s[4]) for s in stations] == [(1, "QY-YD-01", 100.0), (2, "QY-QC-01", 75.0),
                                                      (None, "QY-QC-02", "无数据")]
    assert [s[-2:] for s in stations] == [("完整", None), ("完整", None),
                                          ("不完整", "readings_planned、bills_issued、recon_due")]
    cover = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}
    assert cover["不完整供电所数（不排名、不计入县区局平均）"] == 1
    assert cover["清远供电局得分（各县区局平均）"] == 87.5  # QY-QC 75.0, QY-YD 100.0
    light_rows = list(wb["回收率红黄绿灯"].iter_rows(min_row=2))
    assert [(c[0].value, c[2].value, c[2].fill.fgColor.rgb[-6:]) for c in light_rows] == [
        ("QY", "红灯", "FFC7CE"), ("QY-QC", "红灯", "FFC7CE"), ("QY-YD", "黄灯", "FFEB9C"),
        ("QY-QC-01", "红灯", "FFC7CE"), ("QY-YD-01", "黄灯", "FFEB9C")]
    assert (await org.get("/api/v1/scoring/reports/2026-01.xlsx", headers=ADMIN)).status_code == 404


async def test_each_period_is_scored_with_the_scheme_in_force(org: httpx.AsyncClient) -> None:
    scheme = {"code": "qy-2026-11", "name": "对标方案", "effective_from": "2026-11", "red_below": 59, "stages": [
        {"code": "review", "name": "电费复核管理", "weight": 1.0, "indicators": [
            {"code": "errors_per_10k", "name": "万户差错", "kind": "assessment", "weight": 0.5,
             "measure": {"type": "count", "counter": "bills_erroneous",
                         "per": {"counter": "bills_issued", "unit": 10000}},
             "rule": {"type": "efficacy", "satisfactory": 12, "not_allowed": 6}},
            {"code": "rollbacks", "name": "应收回退", "kind": "process", "weight": 0.5,
             "measure": {"type": "count", "counter": "receivable_rollbacks"},
             "rule": {"type": "bands", "bands": [{"min": 0, "score": 100}, {"min": 2, "score": 50}]}}]}]}
    assert (await org.post("/api/v1/schemes", json=scheme, headers=ADMIN)).status_code == 201
    facts = {**GOOD, "bills_erroneous": 581, "bills_issued": 1_000_000, "receivable_rollbacks": 2}
    for period in ("2026-10", "2026-11"):
        await _put(org, f"b-{period}", [{"unit": "QY-QC-01", "counters": facts}], period)
        r = await org.post(f"/api/v1/periods/{period}/score?allow_incomplete=true", headers=ADMIN)
        assert r.status_code == 201, r.text
    october = (await org.get("/api/v1/scores?period=2026-10&level=station", headers=ADMIN)).json()
    november = (await org.get("/api/v1/scores/2026-11/QY-QC-01", headers=ADMIN)).json()
    assert october["scheme"] == "default"
    # 581 per 1 000 000 = 5.81 per 10 000 → 功效系数法 58.7333; 2 roll-backs → band 50; mean 54.3667
    assert [(i["code"], i["score"]) for i in november["indicators"]] == [("errors_per_10k", 58.7333),
                                                                         ("rollbacks", 50.0)]
    assert november["score"] == 54.3667 and november["red_indicators"] == ["errors_per_10k", "rollbacks"]


async def test_rankings_follow_revisions_levels_and_scopes(org: httpx.AsyncClient) -> None:
    """A published revision's ranking is built once per process; a new revision, another level or
    another caller's subtree is another body."""
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-QC-02", "counters": GOOD},
                            {"unit": "QY-YD-01", "counters": PERFECT}])
    assert (await org.post("/api/v1/periods/2026-10/score", headers=ADMIN)).status_code == 201
    first = (await org.get("/api/v1/scores?period=2026-10", headers=ADMIN)).json()
    again = await org.get("/api/v1/scores?period=2026-10", headers=ADMIN)
    assert again.json() == first and again.headers["content-type"] == "application/json"
    assert first["revision"] == 1 and len(first["items"]) == 6

    await _put(org, "b-2", [{"unit": "QY-QC-02", "counters": PERFECT}])  # adds to its counters
    assert (await org.post("/api/v1/periods/2026-10/score", headers=ADMIN)).status_code == 201
    latest = (await org.get("/api/v1/scores?period=2026-10", headers=ADMIN)).json()
    assert latest["revision"] == 2 and latest != {**first, "revision": 2}
    assert (await org.get("/api/v1/scores?period=2026-10&revision=1", headers=ADMIN)).json() == first
    stations = (await org.get("/api/v1/scores?period=2026-10&level=station", headers=ADMIN)).json()
    assert {i["level"] for i in stations["items"]} == {"station"} and len(stations["items"]) == 3
    county = token("station", units=("QY-QC",))
    mine = (await org.get("/api/v1/scores?period=2026-10", headers=county)).json()
    assert {i["unit"] for i in mine["items"]} == {"QY-QC", "QY-QC-01", "QY-QC-02"}
    assert (await org.get("/api/v1/scores?period=2026-10&revision=3", headers=ADMIN)).status_code == 404
    assert (await org.get("/api/v1/scores?period=2026-09", headers=ADMIN)).status_code == 404
