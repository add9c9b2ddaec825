"""The bulletin's test app (the embedded all-in-one) and a seeded bureau."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, GRAVE_ERROR_BODY, EmbeddedClient, embedded_client, eventually
from tests.helpers import GOOD_COUNTERS as GOOD
from tests.helpers import PERFECT_COUNTERS as PERFECT
from tests.helpers import SMALL_BUREAU_ORG as ORG

ADMIN = token("admin")
CS = token("customer_service", subject="cs-li")
PERIOD, BEFORE = "2026-10", "2026-09"


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, request_timeout_s=60) as client:
        yield client


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
async def bureau(app_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Three stations in two counties scored for two months, recovery facts, errors, a ticket, an alert."""
    c = app_client
    await _ok(await c.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN))
    await _ok(await c.put(f"/api/v1/facts/{BEFORE}/counters", headers=ADMIN, json={"batch_id": "sep", "rows": [
        {"unit": "QY-QC-01", "counters": PERFECT}, {"unit": "QY-QC-02", "counters": GOOD},
        {"unit": "QY-YD-01", "counters": GOOD}]}))
    await _ok(await c.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={"batch_id": "oct", "rows": [
        {"unit": "QY-QC-01", "counters": GOOD},
        {"unit": "QY-QC-02", "counters": {**GOOD, "recon_due": 0, "recon_done": 0}},
        {"unit": "QY-YD-01", "counters": PERFECT}]}))
    await _ok(await c.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY", "receivable": "1000000.00", "collected": "999950.00"},
        {"unit": "QY-QC-01", "receivable": "200000.00", "collected": "190000.00"},
        {"unit": "QY-YD-01", "receivable": "300000.00", "collected": "300000.00"}]}))
    await _ok(await c.post(f"/api/v1/periods/{BEFORE}/score", headers=ADMIN))
    await _ok(await c.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN))
    await _ok(await c.post("/api/v1/errors", headers=CS, json={**ERROR_BODY, "period": PERIOD}))
    await _ok(await c.post("/api/v1/errors", headers=CS, json={
        **ERROR_BODY, "unit": "QY-YD-01", "period": PERIOD, "category": "reading", "amount": "88.00"}))
    await _ok(await c.post("/api/v1/errors", headers=CS, json={**GRAVE_ERROR_BODY, "period": PERIOD}))
    await _ok(await c.post("/api/v1/tickets", headers=CS, json={
        "unit": "QY-YD-01", "period": PERIOD, "reason": "manual", "detail": "抄表数据异常"}))

    async def accountability_alert() -> list[dict]:
        r = await c.get("/api/v1/alerts", params={"unit": "QY-QC-01", "severity": "critical"}, headers=ADMIN)
        return [a for a in r.json()["items"] if a["labels"].get("level") == "accountability"]

    async def auto_raised() -> list[dict]:  # QY-QC-01 scores 75 < 80: audit_link raises a low_score ticket
        r = await c.get("/api/v1/tickets", params={"period": PERIOD, "reason": "low_score"}, headers=ADMIN)
        return r.json()["items"]

    await eventually(accountability_alert)
    await eventually(auto_raised)
    return c
