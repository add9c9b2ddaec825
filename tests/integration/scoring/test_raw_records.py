"""Raw records streamed over HTTP: aggregation per DESIGN §4.2, atomic files, row-numbered rejections."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from tests.helpers import runtime_of
from tests.integration.scoring.conftest import ADMIN

READINGS = """unit,task_id,planned_day,uploaded_at,exception_approved,one_stop_due,one_stop_done
QY-QC-01,r1,2026-10-05,2026-10-05T23:59:00+08:00,false,true,true
QY-QC-01,r2,2026-10-05,2026-10-06T00:10:00+08:00,,true,false
QY-QC-01,r3,2026-10-05,2026-10-08T09:00:00+08:00,true,false,
QY-QC-01,r4,2026-10-05,2026-10-09T09:00:00+08:00,true,,
QY-QC-01,r5,2026-10-06,,,true,
QY-QC-02,r6,2026-10-31,2026-10-31T16:00:00Z,false,false,false
"""
# r1 same day → on time; r2 next day → overdue; r3 approved, 3 days → on time; r4 approved, 4 days → overdue;
# r5 not uploaded; r6 16:00Z is 00:00 on 11-01 in Shanghai → a later day → overdue.
LEDGER = """op_type,unit,op_id,original_at,reversed_at,bill_released
payment_reversal,QY-QC-01,l1,2026-10-05T23:50:00+08:00,2026-10-06T00:05:00+08:00,
payment_reversal,QY-QC-01,l2,2026-10-05T08:00:00+08:00,2026-10-05T23:00:00+08:00,
receivable_rollback,QY-QC-01,l3,2026-10-02T08:00:00+08:00,2026-10-03T08:00:00+08:00,true
receivable_rollback,QY-QC-01,l4,2026-10-02T08:00:00+08:00,2026-10-03T08:00:00+08:00,false
"""
# l1: 10 minutes later but the next calendar day → 隔日抹账; l2: same day, 15 h later → not.


async def _counters(client: httpx.AsyncClient, period: str = "2026-10") -> dict[str, dict[str, int]]:
    r = await client.get(f"/api/v1/facts/{period}/counters", headers=ADMIN)
    assert r.status_code == 200, r.text
    return {i["unit"]: i["counters"] for i in r.json()["items"]}


async def _post(client: httpx.AsyncClient, kind: str, body: str, ctype: str = "text/csv", period: str = "2026-10"):
    return await client.post(f"/api/v1/facts/{period}/records/{kind}", content=body.encode(),
                             headers={**ADMIN, "Content-Type": ctype})


async def test_raw_files_aggregate_into_the_counters_they_define(org: httpx.AsyncClient) -> None:
    r = await _post(org, "readings", READINGS)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 6 and r.json()["units"] == 2
    assert (await _post(org, "ledger", LEDGER)).status_code == 200
    bills = "".join(json.dumps({"unit": "QY-QC-01", "bill_id": f"b{i}", "issued_on": "2026-10-10"}) + "\n"
                    for i in range(5))
    assert (await _post(org, "bills", bills, "application/x-ndjson")).json()["rows"] == 5
    recon = "unit,task_id,due_on,done_on\nQY-QC-01,t1,2026-10-20,2026-10-20\nQY-QC-01,t2,2026-10-20,2026-10-21\n"
    anomalies = "unit,anomaly_id,due_on,rectified_on\nQY-QC-01,a1,2026-10-10,\nQY-QC-01,a2,2026-10-10,2026-10-09\n" \
                "QY-QC-01,a3,2026-10-10,2026-10-12\n"
    assert (await _post(org, "reconciliations", recon)).status_code == 200
    assert (await _post(org, "anomalies", anomalies)).status_code == 200

    counters = await _counters(org)
    assert counters["QY-QC-01"] == {
        "readings_planned": 5, "readings_done": 4, "uploads_overdue": 2, "one_stop_due": 3, "one_stop_done": 1,
        "bills_issued": 5, "recon_due": 2, "recon_done": 1, "anomalies_overdue": 2,
        "receivable_rollbacks": 1, "writeoffs_next_day": 1,
    }
    assert counters["QY-QC-02"] == {"readings_planned": 1, "readings_done": 1, "uploads_overdue": 1,
                                    "one_stop_due": 0, "one_stop_done": 0}

    # Re-importing the same file replaces its units' counters: no double counting.
    assert (await _post(org, "readings", READINGS)).status_code == 200
    assert (await _counters(org))["QY-QC-01"]["readings_planned"] == 5


async def test_a_bad_row_rejects_the_whole_file(org: httpx.AsyncClient) -> None:
    bad_date = READINGS.replace("QY-QC-01,r3,2026-10-05", "QY-QC-01,r3,2026-10-32")
    r = await _post(org, "readings", bad_date)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    [error] = r.json()["errors"]
    assert error["row"] == 3 and error["line"] == 4 and error["field"] == "rows[3].planned_day"

    r = await _post(org, "readings", READINGS.replace("QY-QC-02,r6", "QY-ZZ-09,r6"))
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 6
    assert "unknown station QY-ZZ-09" in r.json()["errors"][0]["message"]

    r = await _post(org, "readings", READINGS.replace("r5,2026-10-06", "r5,2026-11-01"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rows[5].planned_day"

    r = await _post(org, "ledger", LEDGER.replace("receivable_rollback,QY-QC-01,l4", "rollback_maybe,QY-QC-01,l4"))
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 4

    r = await _post(org, "readings", "unit,task,planned_day\n")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header"

    r = await _post(org, "bills", '{"unit": "QY-QC-01", "bill_id": "b1", "issued_on": "2026-10-01"}\nnot json\n',
                    "application/x-ndjson")
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2

    r = await _post(org, "meters", READINGS)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"

    # nothing of any rejected file was written
    assert await _counters(org) == {}
    runtime = runtime_of(org)
    async with runtime.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM scoring_counters"))).scalar() == 0


async def test_raw_import_needs_a_fact_writer(org: httpx.AsyncClient) -> None:
    from shared.testing.plugin import token

    r = await org.post("/api/v1/facts/2026-10/records/readings", content=READINGS.encode(),
                       headers={**token("viewer"), "Content-Type": "text/csv"})
    assert r.status_code == 403
