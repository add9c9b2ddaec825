"""PostgreSQL stopped and started again on the same port while a consumer and the HTTP API run.

Nothing is lost or dead-lettered; the consumer waits (reported not ready), then resumes; writes
during the outage answer 503 with Retry-After, and succeed again once the server is back.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy import text

from services.alerts.bootstrap import build as build_alerts
from services.registry import SERVICES
from shared.db import make_engine
from shared.http.app import create_app
from shared.http.ops import _check_consumers
from shared.messaging.message import OutboundMessage
from shared.runtime import Runtime
from shared.settings import Settings
from shared.testing.plugin import token
from shared.transport import InProcessTransport
from tests.fault.conftest import FaultyPostgres
from tests.fault.support import counts, error_envelope, not_ready, ready, wait_until
from tests.helpers import ERROR_BODY, SMALL_BUREAU_ORG, seed_org_units

AUDIT, DLQ = "m2c.audit.v1", "m2c.dlq.v1"
ADMIN = token("admin")
N = 300


async def test_a_consumer_waits_out_a_database_restart_and_loses_nothing(
    faulty_pg: FaultyPostgres, faulty_settings: Settings,
) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(faulty_settings, transport=transport)
    [spec] = build_alerts().consumers
    try:
        # A first part, applied; the rest arrives while the server is down (a whole fetched batch
        # is one transaction now, so a backlog published at once may be done before the stop).
        await transport.broker.publish([OutboundMessage(AUDIT, "QY-QC-01", error_envelope()) for _ in range(30)])
        runtime.start_consumers([spec])

        async def some_done() -> bool:
            c = await counts(runtime)
            return c is not None and c[1] >= 30

        await wait_until(some_done, timeout_s=30)
        await faulty_pg.stop()  # mid-stream
        await transport.broker.publish([OutboundMessage(AUDIT, "QY-QC-01", error_envelope())
                                        for _ in range(N - 30)])
        health = runtime.consumer_health["m2c-alerts"]
        await wait_until(lambda: not_ready(health), timeout_s=10)
        await asyncio.sleep(3)
        with pytest.raises(RuntimeError, match="m2c-alerts waiting"):  # what /readyz reports under "consumers"
            await _check_consumers(runtime)
        back_at = await faulty_pg.start()
        resumed_at = await wait_until(lambda: ready(health), timeout_s=30, pause_s=0.01)

        async def all_done() -> bool:
            return await counts(runtime) == (N, N)

        drained_at = await wait_until(all_done, timeout_s=60)
        assert (await _check_consumers(runtime)).startswith("ok")
        print(f"\n[recovery] in-process consumer: resumed {resumed_at - back_at:.2f} s after PostgreSQL was back; "
              f"backlog of {N} drained {drained_at - back_at:.2f} s after")
        assert transport.broker.messages(DLQ) == []
        consumed = runtime.metrics.events_consumed
        assert consumed.labels("m2c-alerts", "ErrorReported", "dead_lettered")._value.get() == 0
        assert consumed.labels("m2c-alerts", "ErrorReported", "processed")._value.get() == N
    finally:
        await runtime.close()


async def _post(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)


async def test_writes_answer_503_during_the_outage_and_succeed_after_it(
    faulty_pg: FaultyPostgres, faulty_settings: Settings,
) -> None:
    await seed_org_units(faulty_settings.required_database_url(), SMALL_BUREAU_ORG)  # no scoring app here
    app = create_app(faulty_settings, [SERVICES["audit-link"]()], run_relay=True)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c", timeout=15) as client,
    ):
        assert (await _post(client)).status_code == 201

        # A restart with no request in between: the pooled connections the server closed are
        # replaced at checkout, so the first write afterwards already succeeds.
        await faulty_pg.outage(0.5)
        assert (await _post(client)).status_code == 201

        await faulty_pg.stop()
        during = [await _post(client) for _ in range(5)]
        for r in during:
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["retry-after"] == str(faulty_settings.http_retry_after_s)
        ready_during = await client.get("/readyz")
        assert ready_during.status_code == 503
        back_at = await faulty_pg.start()
        first = await _post(client)
        ok_at = time.monotonic()
        assert first.status_code == 201, first.text
        print(f"\n[recovery] HTTP write: first 201 {ok_at - back_at:.2f} s after PostgreSQL was back")
        await wait_until(lambda: _is_ready(client), timeout_s=10)

        runtime: Runtime = app.state.runtime
        async with runtime.session_factory() as s:
            errors = (await s.execute(text("SELECT count(*) FROM audit_errors"))).scalar_one()
        assert errors == 3  # the three 201s; nothing of the 503s was written
        metrics = (await client.get("/metrics")).text
        assert 'route="/api/v1/errors",status="503"} 5.0' in metrics


async def _is_ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def test_pooled_connections_closed_by_a_restart_are_replaced_at_checkout(
    faulty_pg: FaultyPostgres, faulty_database_url: str,
) -> None:
    engine = make_engine(faulty_database_url, pool_size=4)
    try:
        conns = [await engine.connect() for _ in range(4)]  # a warm pool of four
        for c in conns:
            await c.execute(text("SELECT 1"))
            await c.close()
        await faulty_pg.outage(0.2)
        for _ in range(4):  # without a pre-ping round trip, every checkout still works first time
            async with engine.connect() as c:
                assert (await c.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()
