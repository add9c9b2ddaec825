"""Idempotency-Key per caller (issue 11.2): one shared mechanism (m2c_idempotency_keys) for every
write that honours the header — errors, tickets, scoring runs, bill review runs and decisions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from shared.clock import ManualClock
from shared.idempotency import KEY_TTL
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, EmbeddedClient, embedded_client, org_of, runtime_of

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ADMIN = token("admin")
QC07 = token("station", units=("QY-QC-07",), subject="station-qc07")
FG06 = token("station", units=("QY-FG-06",), subject="station-fg06")


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=clock) as c:
        r = await c.post("/api/v1/org-units", json={"units": org_of("QY-QC-07", "QY-FG-06")}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield c


async def _scalar(c: httpx.AsyncClient, sql: str) -> int:
    async with runtime_of(c).session_factory() as s:
        return int((await s.execute(text(sql))).scalar_one())


async def test_another_callers_key_is_its_own_key(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "shared-42"}
    qc = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-QC-07", "customer_no": "QC-SECRET"},
                           headers={**QC07, **key})
    fg = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-FG-06", "customer_no": "FG-1"},
                           headers={**FG06, **key})
    assert (qc.status_code, fg.status_code) == (201, 201), fg.text
    assert fg.json()["id"] != qc.json()["id"] and fg.json()["unit"] == "QY-FG-06"
    assert "QC-SECRET" not in fg.text
    assert await _scalar(client, "SELECT count(*) FROM audit_errors") == 2
    # each caller's replay is its own answer
    again = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-FG-06", "customer_no": "FG-1"},
                              headers={**FG06, **key})
    assert again.status_code == 200 and again.json() == fg.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _scalar(client, "SELECT count(*) FROM m2c_outbox WHERE event_type = 'ErrorReported'") == 2


async def test_same_key_different_body_is_422(client: httpx.AsyncClient) -> None:
    key = {**ADMIN, "Idempotency-Key": "k-1"}
    assert (await client.post("/api/v1/errors", json=ERROR_BODY | {"unit": "QY-QC-07"}, headers=key)
            ).status_code == 201
    r = await client.post("/api/v1/errors", json=ERROR_BODY | {"unit": "QY-QC-07", "amount": "-9.00"}, headers=key)
    assert r.status_code == 422 and r.json()["type"].endswith("idempotency-key-reused"), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await _scalar(client, "SELECT count(*) FROM audit_errors") == 1


async def test_scoring_a_different_period_with_the_same_key_is_422(client: httpx.AsyncClient) -> None:
    key = {**ADMIN, "Idempotency-Key": "score-run"}
    first = await client.post("/api/v1/periods/2026-10/score?allow_incomplete=true", headers=key)
    assert first.status_code == 201, first.text
    r = await client.post("/api/v1/periods/2026-09/score?allow_incomplete=true", headers=key)
    assert r.status_code == 422 and r.json()["type"].endswith("idempotency-key-reused"), r.text
    again = await client.post("/api/v1/periods/2026-10/score?allow_incomplete=true", headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert await _scalar(client, "SELECT count(*) FROM scoring_score_runs") == 1


async def test_tickets_keys_are_per_caller(client: httpx.AsyncClient) -> None:
    body = {"unit": "QY-QC-07", "period": "2026-10", "detail": "电费异常"}
    key = {"Idempotency-Key": "call-1"}
    a = await client.post("/api/v1/tickets", json=body, headers={**token("customer_service", subject="cs-a"), **key})
    b = await client.post("/api/v1/tickets", json=body | {"unit": "QY-FG-06"},
                          headers={**token("customer_service", subject="cs-b"), **key})
    assert (a.status_code, b.status_code) == (201, 201), b.text
    assert a.json()["id"] != b.json()["id"]


async def test_keys_expire_after_a_day(client: httpx.AsyncClient, clock: ManualClock) -> None:
    key = {**ADMIN, "Idempotency-Key": "old"}
    assert (await client.post("/api/v1/errors", json=ERROR_BODY | {"unit": "QY-QC-07"}, headers=key)
            ).status_code == 201
    clock.set(NOW + KEY_TTL + timedelta(seconds=1))
    # expired: purged on the next write, the same key makes a new resource, even with another body
    r = await client.post("/api/v1/errors", json=ERROR_BODY | {"unit": "QY-QC-07", "amount": "-2.00"}, headers=key)
    assert r.status_code == 201, r.text
    assert await _scalar(client, "SELECT count(*) FROM audit_errors") == 2
    assert await _scalar(client, "SELECT count(*) FROM m2c_idempotency_keys") == 1
