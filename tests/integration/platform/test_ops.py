"""Open ops endpoints: /healthz, /readyz (DB, events, migrations at head), /metrics, the event contract."""

from __future__ import annotations

import asyncio

import httpx

from shared.migration_state import downgrade, head_revision
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, SMALL_BUREAU_ORG, embedded_client, runtime_of, seed_org_units


async def test_health_and_readiness(embedded: httpx.AsyncClient) -> None:
    assert (await embedded.get("/healthz")).json() == {"status": "ok"}
    r = await embedded.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert head_revision() in body["checks"]["database"]
    assert body["checks"]["events"] == "ok (in-process)"


async def test_readiness_fails_when_migrations_are_not_at_head(settings) -> None:
    await asyncio.to_thread(downgrade, settings.database_url, "base")
    async with embedded_client(settings) as client:
        r = await client.get("/readyz")
    assert r.status_code == 503
    assert "migrations at None" in r.json()["checks"]["database"]


async def test_metrics_count_requests_and_events(embedded: httpx.AsyncClient) -> None:
    await seed_org_units(runtime_of(embedded).settings.required_database_url(), SMALL_BUREAU_ORG)
    await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=token("admin"))
    await asyncio.sleep(0.5)
    text = (await embedded.get("/metrics")).text
    assert 'm2c_http_request_duration_seconds_count{method="POST",route="/api/v1/errors",status="201"} 1.0' in text
    assert 'm2c_events_produced_total{topic="m2c.audit.v1",type="ErrorReported"} 1.0' in text
    assert 'm2c_events_consumed_total{group="m2c-alerts",outcome="processed",type="ErrorReported"} 1.0' in text
    assert "m2c_outbox_lag 0.0" in text


async def test_event_contract_is_published(embedded: httpx.AsyncClient) -> None:
    doc = (await embedded.get("/asyncapi.json")).json()
    assert doc["asyncapi"].startswith("3.")
    assert "ErrorReported" in doc["channels"]["m2c.audit.v1"]["messages"]
    schemas = (await embedded.get("/events/schemas")).json()
    assert schemas["ErrorReported"]["properties"]["type"]["const"] == "ErrorReported"
