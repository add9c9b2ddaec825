"""No 5xx from input (issue 11.4), over the real embedded app: NUL in any text field, path or query
value, integers beyond int64 and impossible periods answer 422 naming the field, and nothing is
written; a 5xx that does happen is counted in the latency metric."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from shared.http.app import ServiceParts, create_app
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, SMALL_BUREAU_ORG, EmbeddedClient, embedded_client

ADMIN = token("admin")
BIG = str(2**63)  # one past int64
NUL = "a\u0000b"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings) as client:
        r = await client.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield client


def _fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in r.json()["errors"]]


SUBSCRIPTION = {"name": "n", "channel": {"type": "webhook", "url": "http://127.0.0.1:9/x", "secret": "s" * 16}}
SCHEME = {"code": "S1", "name": NUL, "effective_from": "2026-01", "stages": [{"code": "a", "name": "a", "weight": 1,
          "indicators": [{"code": "i", "name": "i", "weight": 1, "measure": {"type": "count", "counter": "x"},
                          "rule": {"type": "deduction", "points_per_unit": 1}}]}]}


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/api/v1/errors", {**ERROR_BODY, "description": NUL}, "body.description"),
    ("POST", "/api/v1/errors", {**ERROR_BODY, "customer_no": NUL}, "body.customer_no"),
    ("POST", "/api/v1/tickets", {"unit": "QY-QC-01", "detail": NUL}, "body.detail"),
    ("POST", "/api/v1/silences", {"matchers": [{"name": "unit", "value": NUL}], "ends_at": "2030-01-01T00:00:00Z"},
     "body.matchers.0.value"),
    ("POST", "/api/v1/subscriptions", {**SUBSCRIPTION, "name": NUL}, "body.name"),
    ("POST", "/api/v1/errors/00000000-0000-0000-0000-000000000001/transitions",
     {"action": "root_cause", "root_cause": NUL}, "body.root_cause"),
    ("POST", "/api/v1/tickets/00000000-0000-0000-0000-000000000001/transitions",
     {"action": "receive", "note": NUL}, "body.note"),
    ("PUT", "/api/v1/calendar/years/2031", {"holidays": [], "source": NUL}, "body.source"),
    ("POST", "/api/v1/schemes", SCHEME, "body.name"),
    ("PUT", "/api/v1/facts/2026-10/counters", {"batch_id": "b", "rows": [
        {"unit": "QY-QC-01", "counters": {NUL: 1}}]}, "body.rows.0.counters.'a\\x00b'"),
])
async def test_nul_in_a_json_text_field(app: httpx.AsyncClient, method: str, path: str, body: dict,
                                        field: str) -> None:
    r = await app.request(method, path, json=body, headers=ADMIN)
    assert _fields(r) == [field]


async def test_nothing_is_written_and_an_escaped_backslash_is_not_nul(app: httpx.AsyncClient) -> None:
    assert _fields(await app.post("/api/v1/errors", json={**ERROR_BODY, "description": NUL}, headers=ADMIN))
    assert (await app.get("/api/v1/errors", headers=ADMIN)).json()["items"] == []
    no_type = httpx.Request("POST", "http://m2c/api/v1/errors", headers=ADMIN,
                            content=json.dumps({**ERROR_BODY, "description": NUL}).encode())
    assert "content-type" not in no_type.headers  # FastAPI parses a body without a Content-Type as JSON
    assert _fields(await app.send(no_type)) == ["body.description"]
    r = await app.post("/api/v1/errors", json={**ERROR_BODY, "description": "路径 C:\\u0000 不是 NUL"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "路径 C:\\u0000 不是 NUL"


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/org-units?under=QY%00", "query.under"),
    ("/api/v1/credit/customers/C%001", "path.customer_no"),
    ("/api/v1/scores/QY%00/trend?from=2026-01&to=2026-02", "path.unit"),
    ("/api/v1/scores/QY-QC-01/trend?from=2026-01%00&to=2026-02", "query.from"),
    ("/api/v1/schemes/S%001", "path.code"),
    ("/api/v1/no-such-route%00", "path"),
])
async def test_nul_in_a_path_or_query_value(app: httpx.AsyncClient, path: str, field: str) -> None:
    assert _fields(await app.get(path, headers=ADMIN)) == [field]


@pytest.mark.parametrize("path", ["/api/v1/errors", "/api/v1/tickets", "/api/v1/alerts"])
async def test_a_cursor_beyond_int64(app: httpx.AsyncClient, path: str) -> None:
    assert _fields(await app.get(f"{path}?cursor={BIG}", headers=ADMIN)) == ["query.cursor"]
    assert _fields(await app.get(f"{path}?cursor={'9' * 5000}", headers=ADMIN)) == ["query.cursor"]
    r = await app.get(f"{path}?cursor={2**63 - 1}", headers=ADMIN)
    assert r.status_code == 200, r.text


async def test_a_counter_beyond_int64(app: httpx.AsyncClient) -> None:
    body = '{"batch_id": "b", "rows": [{"unit": "QY-QC-01", "counters": {"readings_planned": ' + BIG + "}}]}"
    r = await app.put("/api/v1/facts/2026-10/counters", content=body,
                      headers={**ADMIN, "Content-Type": "application/json"})
    assert _fields(r) == ["body.rows.0.counters.readings_planned"]
    r = await app.get("/api/v1/facts/2026-10/counters", headers=ADMIN)
    assert r.json()["items"] == []
    huge = body.replace(BIG, "9" * 5000)
    r = await app.put("/api/v1/facts/2026-10/counters", content=huge,
                      headers={**ADMIN, "Content-Type": "application/json"})
    assert _fields(r) == ["body.rows.0.counters.readings_planned"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_number_that_is_not_finite(app: httpx.AsyncClient, number: str) -> None:
    # Python's JSON reader takes NaN and Infinity (JSON has neither) and makes 1e400 infinite: a rule threshold
    # kept as jsonb could not be stored (was a 500); a counter or a price is never one either
    before = (await app.get("/api/v1/review/rules", headers=ADMIN)).json()["version"]
    body = '{"rules": {"surge": {"thresholds": {"factor": ' + number + '}}}, "effective_from": "2026-12"}'
    r = await app.put("/api/v1/review/rules", content=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert _fields(r) == ["body.rules.surge.thresholds.factor"]
    assert r.json()["errors"][0]["type"] == "finite_number"
    assert (await app.get("/api/v1/review/rules", headers=ADMIN)).json()["version"] == before
    body = '{"batch_id": "b", "rows": [{"unit": "QY-QC-01", "counters": {"readings_planned": ' + number + "}}]}"
    r = await app.put("/api/v1/facts/2026-10/counters", content=body,
                      headers={**ADMIN, "Content-Type": "application/json"})
    assert _fields(r) == ["body.rows.0.counters.readings_planned"]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/api/v1/facts/0000-01/counters", {"batch_id": "b", "rows": []}, "path.period"),
    ("PUT", "/api/v1/facts/2026-13/counters", {"batch_id": "b", "rows": []}, "path.period"),
    ("GET", "/api/v1/scores?period=0000-01", None, "query.period"),
    ("POST", "/api/v1/errors", {**ERROR_BODY, "period": "0000-01"}, "body.period"),
    ("GET", "/api/v1/reports/0000-06.html", None, "path.period"),
])
async def test_impossible_periods(app: httpx.AsyncClient, method: str, path: str, body: dict | None,
                                  field: str) -> None:
    assert _fields(await app.request(method, path, json=body, headers=ADMIN)) == [field]


async def test_5xx_are_counted_in_the_latency_metric(settings: Settings) -> None:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    app = create_app(settings, [ServiceParts("boom", routers=[router])])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://m2c") as c:
        r = await c.get("/boom")
        assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
        metrics = (await c.get("/metrics")).text
    assert 'm2c_http_request_duration_seconds_count{method="GET",route="/boom",status="500"} 1.0' in metrics
