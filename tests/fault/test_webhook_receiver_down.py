"""A webhook receiver down while grave errors keep coming, over the real broker and PostgreSQL:
deliveries fail and are retried, and once the receiver is back every alert reaches it exactly once,
signed (0 lost, 0 duplicated at every stage: alerts, deliveries, webhooks received)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.registry import SERVICES
from shared.embedded_pg import free_port
from shared.http.app import create_app
from shared.runtime import Runtime
from shared.settings import Settings
from shared.testing.plugin import token
from tests.fault.processes import effects, exactly, write_errors
from tests.fault.support import wait_until
from tests.integration.alerts.receiver import Receiver

pytestmark = pytest.mark.kafka
SECRET = "fault-receiver-secret-0123456789"
DOWN_S = 15.0
STEP = 10  # errors per write, one write a second while the receiver is down
ADMIN = token("admin")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retries within a second of the receiver's return: recovery is measured in seconds.
    monkeypatch.setenv("M2C_ALERTS_RETRY_BASE_S", "0.2")
    monkeypatch.setenv("M2C_ALERTS_RETRY_CAP_S", "1.0")
    monkeypatch.setenv("M2C_ALERTS_POLL_S", "0.05")


@asynccontextmanager
async def _alerts_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The alerts service (consumer on Kafka, delivery worker) with the outbox relay, as `m2c serve` runs it."""
    app = create_app(settings, [SERVICES["alerts"]()], run_relay=True)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c") as client):
        yield app, client


async def _deliveries(runtime: Runtime) -> dict[str, int]:
    async with runtime.session_factory() as s:
        row = (await s.execute(text(
            "SELECT count(*) AS deliveries, count(*) FILTER (WHERE state = 'delivered') AS delivered,"
            " count(*) FILTER (WHERE state = 'pending' AND attempts >= 1 AND last_error IS NOT NULL) AS failing,"
            " count(DISTINCT group_key) AS groups, coalesce(sum(attempts), 0) AS attempts"
            " FROM alerts_deliveries"))).mappings().one()
    return dict(row)


async def _fingerprints(runtime: Runtime) -> set[str]:
    async with runtime.session_factory() as s:
        return set((await s.execute(text("SELECT fingerprint FROM alerts_alerts"))).scalars())


async def test_receiver_down_under_writes_then_every_alert_arrives_once(kafka_settings: Settings) -> None:
    s = kafka_settings.model_copy(update={"kafka_partitions": 2})
    receiver = Receiver(SECRET, free_port())  # not started: connections are refused
    written = 0
    async with _alerts_app(s) as (app, client):
        runtime: Runtime = app.state.runtime
        r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "fault-receiver", "match": {"min_severity": "info"},
            "channel": {"type": "webhook", "url": receiver.url, "secret": SECRET},
            "group_by": ["..."], "group_wait_s": 0})  # one notification per alert
        assert r.status_code == 201, r.text

        down_until = time.monotonic() + DOWN_S
        while time.monotonic() < down_until:
            await write_errors(runtime, written, STEP)
            written += STEP
            await asyncio.sleep(1.0)

        async def all_alerts_failing() -> bool:
            e, d = await effects(runtime), await _deliveries(runtime)
            return e["alerts"] == written and d["failing"] == written
        await wait_until(all_alerts_failing, timeout_s=60, pause_s=0.2)
        assert receiver.received == [] and (await _deliveries(runtime))["delivered"] == 0

        await receiver.start()
        back = time.monotonic()
        try:
            async def all_arrived() -> bool:
                return len(receiver.received) >= written
            arrived = await wait_until(all_arrived, timeout_s=60, pause_s=0.1)
            await asyncio.sleep(2.0)  # a retry that sends anything twice would arrive now
        finally:
            await receiver.stop()

        assert await effects(runtime) == exactly(written)
        fingerprints = Counter(alert["fingerprint"] for body in receiver.received for alert in body["alerts"])
        assert set(fingerprints) == await _fingerprints(runtime)
        assert set(fingerprints.values()) == {1}, "an alert was delivered twice"
        assert len(receiver.delivery_ids) == len(set(receiver.delivery_ids)) == written
        assert receiver.bad_signatures == 0
        d = await _deliveries(runtime)
        assert d["deliveries"] == d["delivered"] == d["groups"] == written
        print(f"\n[recovery] webhook receiver down {DOWN_S:g} s under writes: all {written} alerts delivered once, "
              f"signed, {arrived - back:.1f} s after it was back ({d['attempts']} attempts in all)")
