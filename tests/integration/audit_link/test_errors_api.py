"""POST/GET /api/v1/errors on the embedded app: effects in rows, events and HTTP bodies."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, eventually

ADMIN = token("admin")


async def _count(client: httpx.AsyncClient, table: str) -> int:
    async with client.app.state.runtime.session_factory() as s:  # type: ignore[attr-defined]
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


async def test_reported_error_becomes_an_alert_in_process(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)
    error_id = r.json()["id"]

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
    assert "roles" in r.json()["detail"]
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
    async with embedded.app.state.runtime.session_factory() as s:  # type: ignore[attr-defined]
        headers = (await s.execute(text("SELECT headers FROM m2c_outbox"))).scalar_one()
    assert headers == {"correlation_id": "corr-77"}
