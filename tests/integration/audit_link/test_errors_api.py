"""POST/GET /api/v1/errors on the embedded app: effects in rows, events and HTTP bodies."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, GRAVE_ERROR_BODY, eventually, runtime_of

ADMIN = token("admin")


async def _count(client: httpx.AsyncClient, table: str) -> int:
    async with runtime_of(client).session_factory() as s:
        return (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_reported_error_is_stored_and_read_back(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["amount"] == "-1234.50" and created["state"] == "reported"
    assert r.headers["Location"] == f"/api/v1/errors/{created['id']}"

    got = await embedded.get(f"/api/v1/errors/{created['id']}", headers=token("viewer"))
    assert got.status_code == 200
    assert got.json() == created


async def test_grave_error_becomes_an_alert_in_process(embedded: httpx.AsyncClient) -> None:
    # Only errors graded `accountability` alert (DESIGN §4.6): fraud (5) + amount ≥ ¥100 000 (4) = 9 points.
    r = await embedded.post("/api/v1/errors", json=GRAVE_ERROR_BODY, headers=ADMIN)
    error_id = r.json()["id"]
    assert (r.json()["level"], r.json()["points"]) == ("accountability", 9)

    async def alert():
        items = (await embedded.get("/api/v1/alerts", headers=ADMIN)).json()["items"]
        return [a for a in items if a["fingerprint"].endswith(error_id)]

    [a] = await eventually(alert)
    assert a["unit"] == "QY-QC-01" and a["state"] == "firing" and a["count"] == 1
    assert a["labels"]["category"] == "tariff"


async def test_missing_token_is_401_and_nothing_written(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"] == "Bearer"
    bad = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert await _count(embedded, "audit_errors") == 0
    assert await _count(embedded, "m2c_outbox") == 0


async def test_wrong_role_is_403_and_nothing_written(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=token("viewer"))
    assert r.status_code == 403
    assert "角色" in r.json()["detail"]
    assert await _count(embedded, "audit_errors") == 0


async def test_station_outside_its_unit_is_403(embedded: httpx.AsyncClient) -> None:
    other = token("station", units=("QY-YD-02",))
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=other)
    assert r.status_code == 403
    own = token("station", units=("QY-QC-01",))
    assert (await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=own)).status_code == 201
    assert await _count(embedded, "audit_errors") == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit", "qy qc"), ("period", "2026-13"), ("category", "weather"), ("nature", "accident"),
     ("amount", "12.345"), ("amount", "not-a-number"), ("description", ""), ("extra", 1)],
)
async def test_bad_field_is_422_naming_it_and_nothing_written(
    embedded: httpx.AsyncClient, field: str, value: object,
) -> None:
    r = await embedded.post("/api/v1/errors", json={**ERROR_BODY, field: value}, headers=ADMIN)
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert f"body.{field}" in [e["field"] for e in body["errors"]]
    assert await _count(embedded, "audit_errors") == 0
    assert await _count(embedded, "m2c_outbox") == 0


async def test_bad_query_and_path_are_422(embedded: httpx.AsyncClient) -> None:
    r = await embedded.get("/api/v1/alerts?severity=apocalyptic&limit=0", headers=ADMIN)
    assert r.status_code == 422
    assert {"query.severity", "query.limit"} <= {e["field"] for e in r.json()["errors"]}
    r = await embedded.get("/api/v1/errors/not-a-uuid", headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.error_id"


async def test_unknown_error_is_404(embedded: httpx.AsyncClient) -> None:
    r = await embedded.get("/api/v1/errors/00000000-0000-0000-0000-000000000000", headers=ADMIN)
    assert r.status_code == 404 and r.json()["status"] == 404


async def test_idempotency_key_stores_one_error_and_one_event(embedded: httpx.AsyncClient) -> None:
    headers = {**ADMIN, "Idempotency-Key": "upstream-42"}
    first = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=headers)
    again = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert await _count(embedded, "audit_errors") == 1
    assert await _count(embedded, "m2c_outbox") == 1


async def test_correlation_id_travels_from_request_to_event_headers(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers={**ADMIN, "X-Correlation-ID": "corr-77"})
    assert r.headers["X-Correlation-ID"] == "corr-77"
    async with runtime_of(embedded).session_factory() as s:
        headers = (await s.execute(text("SELECT headers FROM m2c_outbox"))).scalar_one()
    assert headers == {"correlation_id": "corr-77"}


async def test_grading_counts_repetition_in_the_window_and_fraud_outranks_clerical(
    embedded: httpx.AsyncClient,
) -> None:
    fraud = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "nature": "fraud", "amount": "500"},
                                headers=ADMIN)
    clerical = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-YD-01", "amount": "200000"},
                                   headers=ADMIN)
    assert (fraud.json()["points"], fraud.json()["level"]) == (6, "assessment")
    assert (clerical.json()["points"], clerical.json()["level"]) == (5, "assessment")
    # Same unit and category (tariff) in the 12 periods up to the error's: 2nd +1, 3rd +2; another category
    # or a period whose window does not reach the earlier ones starts afresh.
    second = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "amount": "10", "period": "2026-10"},
                                 headers=ADMIN)
    third = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "amount": "10", "period": "2026-10"},
                                headers=ADMIN)
    other = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "amount": "10", "category": "reading"},
                                headers=ADMIN)
    outside = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "amount": "10", "period": "2025-09"},
                                  headers=ADMIN)
    assert [(r.json()["occurrence"], r.json()["points"]) for r in (second, third, other, outside)] == [
        (2, 3), (3, 4), (1, 2), (1, 2)]
    events = await _events(embedded, "ErrorReported")
    assert [(e["level"], e["points"]) for e in events[:2]] == [("assessment", 6), ("assessment", 5)]


async def _events(client: httpx.AsyncClient, event_type: str) -> list[dict]:
    async with runtime_of(client).session_factory() as s:
        rows = await s.execute(text("SELECT payload FROM m2c_outbox WHERE event_type = :t ORDER BY id"),
                               {"t": event_type})
        return [r[0]["data"] for r in rows]


async def test_list_filters_by_subtree_period_category_level_state(embedded: httpx.AsyncClient) -> None:
    for body in ({**ERROR_BODY}, {**ERROR_BODY, "unit": "QY-QC-02", "category": "reading"},
                 {**ERROR_BODY, "unit": "QY-YD-01", "period": "2026-09"},
                 {**ERROR_BODY, "unit": "QY-QCX-01"}):
        assert (await embedded.post("/api/v1/errors", json=body, headers=ADMIN)).status_code == 201

    async def units(query: str, headers=ADMIN) -> list[str]:
        r = await embedded.get(f"/api/v1/errors?{query}", headers=headers)
        assert r.status_code == 200, r.text
        return [e["unit"] for e in r.json()["items"]]

    assert await units("unit=QY-QC") == ["QY-QC-01", "QY-QC-02"]  # QY-QCX is not below QY-QC
    assert await units("period=2026-09") == ["QY-YD-01"]
    assert await units("category=reading") == ["QY-QC-02"]
    assert await units("level=notice&state=reported") == ["QY-QC-01", "QY-QC-02", "QY-YD-01", "QY-QCX-01"]
    assert await units("level=accountability") == []
    assert await units("", headers=token("station", units=("QY-YD-01",))) == ["QY-YD-01"]
    page = (await embedded.get("/api/v1/errors?limit=3", headers=ADMIN)).json()
    rest = (await embedded.get(f"/api/v1/errors?limit=3&cursor={page['next_cursor']}", headers=ADMIN)).json()
    assert len(page["items"]) == 3 and [e["unit"] for e in rest["items"]] == ["QY-QCX-01"]
    r = await embedded.get("/api/v1/errors?level=severe&state=gone", headers=ADMIN)
    assert r.status_code == 422 and {"query.level", "query.state"} <= {e["field"] for e in r.json()["errors"]}


async def test_lifecycle_closes_only_with_cause_measure_and_decision(embedded: httpx.AsyncClient) -> None:
    error = (await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)).json()
    url = f"/api/v1/errors/{error['id']}/transitions"
    audit = token("audit_center", subject="ac-zhao")
    r = await embedded.post(url, json={"action": "close", "accountability_decision": "扣 2 分"}, headers=audit)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.root_cause", "body.prevention_measure"]
    assert (await embedded.get(f"/api/v1/errors/{error['id']}", headers=ADMIN)).json()["state"] == "reported"
    assert (await embedded.post(url, json={"action": "root_cause"}, headers=audit)).status_code == 422
    r = await embedded.post(url, json={"action": "root_cause", "root_cause": "电价代码维护错误"}, headers=audit)
    assert r.json()["state"] == "root_caused"
    r = await embedded.post(url, json={"action": "rectify", "prevention_measure": "电价变更双人复核"}, headers=audit)
    assert r.json()["state"] == "rectified"
    assert (await embedded.post(url, json={"action": "close"}, headers=audit)).status_code == 422
    assert (await embedded.post(url, json={"action": "close", "accountability_decision": "x"},
                                headers=token("station", units=("QY-QC-01",)))).status_code == 403
    r = await embedded.post(url, json={"action": "close", "accountability_decision": "责任人通报批评"}, headers=audit)
    assert r.status_code == 200
    closed = r.json()
    assert (closed["state"], closed["closed_by"], closed["version"]) == ("closed", "ac-zhao", 4)
    assert (await embedded.post(url, json={"action": "rectify"}, headers=audit)).status_code == 409
    assert (await embedded.get("/api/v1/errors?state=closed", headers=ADMIN)).json()["items"][0]["id"] == error["id"]


async def test_accountability_numbers_are_configurable(embedded: httpx.AsyncClient) -> None:
    policy = (await embedded.get("/api/v1/accountability-policy", headers=ADMIN)).json()
    assert policy["nature_points"]["fraud"] == 5 and policy["repetition_window_months"] == 12
    policy["nature_points"]["clerical"] = 4
    assert (await embedded.put("/api/v1/accountability-policy", json=policy,
                               headers=token("customer_service"))).status_code == 403
    r = await embedded.put("/api/v1/accountability-policy", json=policy, headers=ADMIN)
    assert r.status_code == 200, r.text
    graded = (await embedded.post("/api/v1/errors", json={**ERROR_BODY, "amount": "10"}, headers=ADMIN)).json()
    assert (graded["points"], graded["level"]) == (5, "assessment")
    del policy["nature_points"]["fraud"]
    r = await embedded.put("/api/v1/accountability-policy", json=policy, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.nature_points.fraud"
