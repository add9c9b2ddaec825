"""Issue 10 over the HTTP API on real PostgreSQL: incomplete months, lights only from facts, county
and city roll-ups, and facts that are right once (unknown units, future months, bills_affected, one
source of truth for bills_erroneous, raw files with duplicate ids or empty cells)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import text

from shared.events.audit import ErrorReported
from shared.testing.plugin import token
from tests.helpers import eventually, runtime_of
from tests.integration.scoring.conftest import ADMIN
from tests.integration.scoring.test_scores import GOOD, PERFECT

PERIOD = "2026-10"
FUTURE = "2030-01"  # after the current month whatever day the tests run
REQUIRED = ["readings_planned", "bills_issued", "recon_due"]


def _runtime(client: httpx.AsyncClient):
    return runtime_of(client)


async def _sql(client: httpx.AsyncClient, sql: str) -> list[tuple]:
    async with _runtime(client).engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def _outbox(client: httpx.AsyncClient, event_type: str) -> list[dict]:
    async with _runtime(client).engine.connect() as conn:
        rows = await conn.execute(text("SELECT key, payload FROM m2c_outbox WHERE event_type = :t ORDER BY id"),
                                  {"t": event_type})
        return [{"key": r.key, **r.payload["data"]} for r in rows]


async def _counters(client: httpx.AsyncClient, period: str = PERIOD) -> dict[str, dict[str, int]]:
    r = await client.get(f"/api/v1/facts/{period}/counters", headers=ADMIN)
    assert r.status_code == 200, r.text
    return {i["unit"]: i["counters"] for i in r.json()["items"]}


async def _put(client: httpx.AsyncClient, batch: str, rows: list[dict], period: str = PERIOD) -> httpx.Response:
    return await client.put(f"/api/v1/facts/{period}/counters", json={"batch_id": batch, "rows": rows},
                            headers=ADMIN)


async def _error_event(client: httpx.AsyncClient, unit: str, bills_affected: int = 1) -> None:
    """An ErrorReported as audit_link publishes it, through the outbox and the in-process relay."""
    now = datetime.now(UTC)
    async with _runtime(client).uow() as uow:
        uow.emit(ErrorReported(error_id=uuid.uuid4(), unit=unit, period=PERIOD, category="tariff",
                               nature="fraud", amount="-150000.00", description="误套电价", reporter="tester",
                               reported_at=now, bills_affected=bills_affected), subject=unit)
        await uow.commit()


async def _wait_erroneous(client: httpx.AsyncClient, unit: str, value: int) -> None:
    async def counted() -> bool:
        return (await _counters(client)).get(unit, {}).get("bills_erroneous") == value

    await eventually(counted)


async def _scores(client: httpx.AsyncClient, level: str | None = None) -> dict[str, dict]:
    params = {"period": PERIOD, **({"level": level} if level else {})}
    r = await client.get("/api/v1/scores", params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    return {i["unit"]: i for i in r.json()["items"]}


# 1. Completeness ---------------------------------------------------------------------------------

async def test_a_station_whose_only_fact_is_an_error_is_incomplete_unranked_and_not_averaged(
        org: httpx.AsyncClient) -> None:
    assert (await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD},
                                    {"unit": "QY-YD-01", "counters": PERFECT}])).status_code == 200
    await _error_event(org, "QY-QC-02")
    await _wait_erroneous(org, "QY-QC-02", 1)

    # before anyone scores: what each unit lacks, scoped like every read
    r = await org.get(f"/api/v1/periods/{PERIOD}/completeness", headers=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["scheme"], body["required_facts"], body["incomplete_stations"]) == ("default", REQUIRED, "exclude")
    assert body["counts"] == {"stations": 3, "complete": 2, "incomplete": 1, "without_light": 6}
    by_unit = {i["unit"]: i for i in body["items"]}
    assert by_unit["QY-QC-02"] == {"unit": "QY-QC-02", "name": "龙塘供电所", "level": "station", "parent": "QY-QC",
                                   "status": "incomplete", "missing": REQUIRED, "reported": ["bills_erroneous"],
                                   "recovery_light": False}
    assert (by_unit["QY-QC"]["status"], by_unit["QY-QC"]["missing"]) == ("incomplete", ["QY-QC-02"])
    assert (by_unit["QY"]["status"], by_unit["QY"]["missing"]) == ("incomplete", ["QY-QC"])
    assert (by_unit["QY-YD"]["status"], by_unit["QY-YD-01"]["missing"]) == ("complete", [])
    mine = (await org.get(f"/api/v1/periods/{PERIOD}/completeness",
                          headers=token("station", units=("QY-YD-01",)))).json()
    assert [i["unit"] for i in mine["items"]] == ["QY-YD-01"] and mine["counts"]["stations"] == 1

    # publishing incomplete stations is an explicit choice
    r = await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("incomplete-period") and problem["status"] == 409
    assert problem["incomplete"] == [{"unit": "QY-QC-02", "missing": REQUIRED}]
    assert "QY-QC-02" in problem["detail"] and problem["errors"][0]["field"] == "allow_incomplete"
    assert (await org.get(f"/api/v1/periods/{PERIOD}/revisions", headers=ADMIN)).json()["items"] == []
    assert await _outbox(org, "ScoresPublished") == []

    r = await org.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (r.json()["allow_incomplete"], r.json()["incomplete_stations"], r.json()["cities"]) == (
        True, ["QY-QC-02"], 1)

    rows = await _scores(org)
    qc02 = rows["QY-QC-02"]
    assert (qc02["score"], qc02["rank"], qc02["status"], qc02["missing"]) == (None, None, "incomplete", REQUIRED)
    assert [(u, rows[u]["rank"]) for u in ("QY-YD-01", "QY-QC-01")] == [("QY-YD-01", 1), ("QY-QC-01", 2)]
    # the county is the mean of its complete station only (75.0), not of 75 and a fake 100
    assert (rows["QY-QC"]["score"], rows["QY-QC"]["status"], rows["QY-QC"]["missing"]) == (
        75.0, "incomplete", ["QY-QC-02"])
    assert [(u, rows[u]["rank"]) for u in ("QY-YD", "QY-QC")] == [("QY-YD", 1), ("QY-QC", 2)]
    # the city: mean of its counties' scores, incomplete while a county is
    city = rows["QY"]
    assert (city["level"], city["score"], city["rank"], city["status"], city["missing"]) == (
        "city", 87.5, 1, "incomplete", ["QY-QC"])
    assert list(await _scores(org, "city")) == ["QY"]
    explained = (await org.get(f"/api/v1/scores/{PERIOD}/QY", headers=ADMIN)).json()
    assert explained["counties"] == [{"unit": "QY-QC", "score": 75.0, "status": "incomplete"},
                                     {"unit": "QY-YD", "score": 100.0, "status": "complete"}]
    county = (await org.get(f"/api/v1/scores/{PERIOD}/QY-QC", headers=ADMIN)).json()
    assert county["stations"][1] == {"unit": "QY-QC-02", "score": None, "status": "incomplete", "averaged": False}

    [published] = await _outbox(org, "ScoresPublished")
    units = {u["unit"]: u for u in published["units"]}
    assert (units["QY-QC-02"]["status"], units["QY-QC-02"]["missing"], units["QY-QC-02"]["score"]) == (
        "incomplete", REQUIRED, None)
    assert (units["QY"]["level"], units["QY"]["score"], units["QY"]["missing"]) == ("city", 87.5, ["QY-QC"])
    assert units["QY-YD-01"]["status"] == "complete"
    runs = (await org.get(f"/api/v1/periods/{PERIOD}/revisions", headers=ADMIN)).json()["items"]
    assert [r["allow_incomplete"] for r in runs] == [True]


async def test_a_count_indicator_without_its_base_is_no_data_and_a_complete_month_needs_no_choice(
        org: httpx.AsyncClient) -> None:
    # QY-QC-02 reported readings only (no bills_issued): the review stage has no base at all
    readings = {k: GOOD[k] for k in ("readings_planned", "readings_done", "uploads_overdue", "one_stop_due",
                                     "one_stop_done")}
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-QC-02", "counters": readings},
                            {"unit": "QY-YD-01", "counters": {**PERFECT, "anomalies_overdue": 0}}])
    assert (await org.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"},
                           headers=ADMIN)).status_code == 201
    qc02 = (await org.get(f"/api/v1/scores/{PERIOD}/QY-QC-02", headers=ADMIN)).json()
    by_code = {i["code"]: i for i in qc02["indicators"]}
    # receivable_rollbacks / writeoffs were never reported and neither was their base (bills_issued,
    # recon_due): no data, not 0 → 100. overdue_anomalies' base (bills_issued or readings_planned) was:
    # its unreported count reads as 0 and says so.
    assert by_code["receivable_rollbacks"]["value"] is None and by_code["next_day_writeoffs"]["value"] is None
    assert by_code["receivable_rollbacks"]["inputs"] == {"receivable_rollbacks": None}
    assert by_code["bill_error_rate"]["value"] is None
    assert (by_code["overdue_anomalies"]["value"], by_code["overdue_anomalies"]["read_as_zero"]) == (
        0.0, ["anomalies_overdue"])
    assert qc02["status"] == "incomplete" and qc02["missing"] == ["bills_issued", "recon_due"]
    # a partial figure (reading 77 × 0.3, review 100 × 0.5, re-normalised), marked incomplete and unranked
    assert qc02["score"] == 91.375 and qc02["rank"] is None
    # a base that was reported makes an unreported incident count read as 0 (and says so)
    full = {**GOOD}
    del full["writeoffs_next_day"]
    await _put(org, "b-2", [{"unit": "QY-QC-02", "counters": full}])
    r = await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)  # every station complete now
    assert r.status_code == 201, r.text
    assert (r.json()["allow_incomplete"], r.json()["incomplete_stations"]) == (False, [])
    qc02 = (await org.get(f"/api/v1/scores/{PERIOD}/QY-QC-02", headers=ADMIN)).json()
    writeoffs = next(i for i in qc02["indicators"] if i["code"] == "next_day_writeoffs")
    assert (writeoffs["value"], writeoffs["read_as_zero"], writeoffs["score"]) == (0.0, ["writeoffs_next_day"], 100.0)
    assert (qc02["status"], qc02["score"], qc02["rank"]) == ("complete", 75.0, 2)


async def test_a_scheme_may_rank_and_average_incomplete_stations(org: httpx.AsyncClient) -> None:
    doc = (await org.get("/api/v1/schemes/default", headers=ADMIN)).json()
    r = await org.post("/api/v1/schemes", json={**doc, "code": "bad", "incomplete_stations": "sometimes"},
                       headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.incomplete_stations"
    r = await org.post("/api/v1/schemes", json={**doc, "code": "bad", "required_facts": ["readings_guessed"]},
                       headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "required_facts[0]"
    r = await org.post("/api/v1/schemes", json={**doc, "code": "qy-include", "effective_from": PERIOD,
                                                "incomplete_stations": "include"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    readings = {k: GOOD[k] for k in ("readings_planned", "readings_done", "uploads_overdue", "one_stop_due",
                                     "one_stop_done")}
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-QC-02", "counters": readings},
                            {"unit": "QY-YD-01", "counters": PERFECT}])
    assert (await org.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"},
                           headers=ADMIN)).status_code == 201
    rows = await _scores(org)
    assert (rows["QY-QC-02"]["status"], rows["QY-QC-02"]["score"], rows["QY-QC-02"]["rank"]) == (
        "incomplete", 91.375, 2)
    assert rows["QY-QC"]["score"] == 83.1875  # (75 + 91.375) / 2: the scheme says include


# 2. Lights only from facts ------------------------------------------------------------------------

async def test_no_facts_no_light_and_warnings_say_which_measure_failed(org: httpx.AsyncClient) -> None:
    r = await org.put("/api/v1/recovery/tasks/2026", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "arrears_carried_over": "200000", "annual_target": "120000"},
        {"unit": "QY-YD-01", "arrears_carried_over": "50000", "annual_target": "24000"}]})
    assert r.status_code == 200, r.text
    # QY-QC-01: every yuan collected (100 %, green) but arrears 62 000 of the 100 000 planned by October
    r = await org.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "receivable": "500000", "collected": "500000", "arrears_recovered": "62000"}]})
    assert r.status_code == 200, r.text
    # QY-YD-01 has September facts and a task but nothing for October: no light this month
    await org.put("/api/v1/recovery/2026-09/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-YD-01", "receivable": "500000", "collected": "400000"}]})
    await _put(org, "b-1", [{"unit": u, "counters": GOOD} for u in ("QY-QC-01", "QY-QC-02", "QY-YD-01")])
    r = await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["warnings_issued"] == 3  # QY-QC-01, its county and the city

    rows = await _scores(org)
    assert {u: rows[u]["light"] for u in rows} == {
        "QY-QC-01": "red", "QY-QC-02": "none", "QY-YD-01": "none", "QY-QC": "red", "QY-YD": "none", "QY": "red"}
    warnings = {w["key"]: w for w in await _outbox(org, "RecoveryWarningIssued")}
    assert sorted(warnings) == ["QY", "QY-QC", "QY-QC-01"]
    station = warnings["QY-QC-01"]
    assert (station["level"], station["light"], station["recovery_rate"]) == ("station", "red", 1.0)
    assert station["causes"] == [{"measure": "arrears_progress", "value": 0.62, "green": 1.0, "yellow": 0.9,
                                  "grade": "red"}]
    assert station["message"] == ("石角供电所 2026-10 电费回收红灯：陈欠回收进度 62.0%，低于计划 100%"
                                  "（黄灯线 90%），差 38.0 个百分点")
    assert "电费回收率" not in station["message"]  # the rate met its target: not quoted as the cause
    assert (warnings["QY-QC"]["level"], warnings["QY"]["level"]) == ("county", "city")
    # the city's year to date also holds QY-YD-01's September shortfall (400 000 of 500 000): both measures fail
    city = warnings["QY"]
    assert [c["measure"] for c in city["causes"]] == ["recovery_rate", "arrears_progress"]
    assert city["message"] == ("清远供电局 2026-10 电费回收红灯：电费回收率 90.00%，低于绿灯 99.90%（黄灯线 99.50%），"
                               "差 9.90 个百分点；陈欠回收进度 51.7%，低于计划 100%（黄灯线 90%），差 48.3 个百分点")

    lights = {i["unit"]: i for i in (await org.get("/api/v1/recovery/lights", params={"period": PERIOD},
                                                   headers=ADMIN)).json()["items"]}
    assert sorted(lights) == ["QY", "QY-QC", "QY-QC-01"]
    assert lights["QY-QC"]["basis"] == "stations" and lights["QY"]["basis"] == "counties"
    assert lights["QY-QC-01"]["message"] == station["message"]


# 3. Roll-ups ------------------------------------------------------------------------------------

async def test_county_and_city_recovery_is_the_sum_of_their_stations_unless_given(org: httpx.AsyncClient) -> None:
    r = await org.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "receivable": "300000", "collected": "299000"},
        {"unit": "QY-QC-02", "receivable": "100000", "collected": "100000"},
        {"unit": "QY-YD-01", "receivable": "600000", "collected": "599970"}]})
    assert r.status_code == 200, r.text

    async def rates() -> dict[str, tuple[float, str, str]]:
        items = (await org.get("/api/v1/recovery/lights", params={"period": PERIOD}, headers=ADMIN)).json()["items"]
        return {i["unit"]: (i["recovery_rate"], i["light"], i["level"]) for i in items}

    got = await rates()
    # Σcollected / Σreceivable: 399 000 / 400 000 = 99.75 % (the mean of the rates would say 99.83 %)
    assert got["QY-QC"] == (0.9975, "yellow", "county")
    assert got["QY-YD"] == (0.99995, "green", "county")
    assert got["QY"] == (0.99897, "yellow", "city")  # 998 970 / 1 000 000
    # facts given at the county's level take the place of its stations' sum
    await org.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-YD", "receivable": "600000", "collected": "600000"}]})
    got = await rates()
    assert got["QY-YD"] == (1.0, "green", "county") and got["QY"] == (0.999, "green", "city")

    await _put(org, "b-1", [{"unit": u, "counters": GOOD} for u in ("QY-QC-01", "QY-QC-02", "QY-YD-01")])
    assert (await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)).status_code == 201
    rows = await _scores(org)
    assert (rows["QY"]["light"], rows["QY-QC"]["light"], rows["QY-QC-01"]["light"]) == ("green", "yellow", "yellow")
    city = (await org.get(f"/api/v1/scores/{PERIOD}/QY", headers=ADMIN)).json()
    assert city["recovery"]["recovery_rate"] == 0.999 and city["recovery"]["basis"] == "counties"
    assert (city["score"], city["status"], city["rank"]) == (75.0, "complete", 1)  # mean of 75.0 and 75.0


# 4. Facts that are right once ----------------------------------------------------------------------

async def test_unknown_units_and_future_months_are_refused_on_every_write(org: httpx.AsyncClient) -> None:
    r = await _put(org, "b-1", [{"unit": "QY-ZZ-99", "counters": GOOD}])
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "rows[0].unit", "message": "没有单位 QY-ZZ-99"}]
    r = await _put(org, "b-2", [{"unit": "QY-QC-01", "counters": GOOD}], period=FUTURE)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    assert "晚于本月" in r.json()["errors"][0]["message"]

    fact = {"receivable": "1", "collected": "1"}
    r = await org.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", **fact}, {"unit": "QY-ZZ-99", **fact}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[1].unit"
    r = await org.put(f"/api/v1/recovery/{FUTURE}/facts", headers=ADMIN, json={"rows": [{"unit": "QY", **fact}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"

    task = {"arrears_carried_over": "1", "annual_target": "1"}
    r = await org.put("/api/v1/recovery/tasks/2030", headers=ADMIN, json={"rows": [{"unit": "QY", **task}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "year"
    r = await org.put("/api/v1/recovery/tasks/2026", headers=ADMIN, json={"rows": [{"unit": "QY-ZZ-99", **task}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[0].unit"

    r = await org.post(f"/api/v1/facts/{FUTURE}/records/bills", content=b"unit,bill_id,issued_on\n",
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    r = await org.post(f"/api/v1/periods/{FUTURE}/score", headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"

    # nothing of it was written
    assert await _sql(org, "SELECT count(*) FROM scoring_counters") == [(0,)]
    assert await _sql(org, "SELECT count(*) FROM scoring_recovery_facts") == [(0,)]
    assert await _sql(org, "SELECT count(*) FROM scoring_recovery_tasks") == [(0,)]


async def test_an_error_adds_its_bills_and_is_not_counted_twice_with_imported_counters(
        org: httpx.AsyncClient) -> None:
    await _error_event(org, "QY-QC-01", bills_affected=5)
    await _wait_erroneous(org, "QY-QC-01", 5)  # one error (误套电价) touching 5 bills adds 5

    # the same erroneous bills also arrive inside the imported counters: 6 imported, 5 registered → 6
    await _put(org, "b-1", [{"unit": "QY-QC-01", "counters": {**GOOD, "bills_erroneous": 6}}])
    assert (await _counters(org))["QY-QC-01"]["bills_erroneous"] == 6
    # the register grows past the import (another error of 3 bills): 8 registered → 8, never 6 + 8
    await _error_event(org, "QY-QC-01", bills_affected=3)
    await _wait_erroneous(org, "QY-QC-01", 8)
    assert await _sql(org, "SELECT source, value FROM scoring_counters WHERE counter = 'bills_erroneous'"
                           " ORDER BY source") == [("events", 8), ("reported", 6)]


async def test_raw_files_with_duplicate_ids_or_empty_required_cells_are_refused(org: httpx.AsyncClient) -> None:
    async def post(body: str, ctype: str = "text/csv") -> httpx.Response:
        return await org.post(f"/api/v1/facts/{PERIOD}/records/bills", content=body.encode(),
                              headers={**ADMIN, "Content-Type": ctype})

    r = await post("unit,bill_id,issued_on\nQY-QC-01,b1,2026-10-01\nQY-QC-01,b2,2026-10-01\n"
                   "QY-QC-02,b1,2026-10-02\n")
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    [error] = r.json()["errors"]
    assert (error["field"], error["row"], error["rows"]) == ("rows[3].bill_id", 3, [1, 3])
    assert "rows 1 and 3" in error["message"]

    r = await post("unit,bill_id,issued_on\nQY-QC-01,b1,2026-10-01\nQY-QC-01,,2026-10-01\n")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "rows[2].bill_id", "message": "必填单元格 bill_id 为空",
                                   "row": 2, "line": 3}]
    r = await post('unit,bill_id,issued_on\nQY-QC-01,b1,2026-10-01\nQY-QC-01," ",2026-10-01\n')
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[2].bill_id"
    r = await post('{"unit": "QY-QC-01", "bill_id": "b1", "issued_on": "2026-10-01"}\n'
                   '{"unit": "QY-QC-01", "bill_id": "b2", "issued_on": null}\n', "application/x-ndjson")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "rows[2].issued_on" and "为空" in r.json()["errors"][0]["message"]
    r = await post("unit,bill_id,issued_on\n,b1,2026-10-01\n")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[1].unit"

    assert await _counters(org) == {}
    r = await post("unit,bill_id,issued_on\nQY-QC-01,b1,2026-10-01\nQY-QC-02,b2,2026-10-01\n")
    assert r.status_code == 200 and r.json()["rows"] == 2
