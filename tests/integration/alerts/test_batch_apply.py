"""A consumed batch applied by alerts in one transaction (rules and subscriptions read once, alerts
locked and read at once, rows written at the end) has the effects of its events applied one by one."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from services.alerts.bootstrap import build as build_alerts
from shared.messaging.message import OutboundMessage
from shared.runtime import Runtime
from shared.settings import Settings
from shared.testing.plugin import fresh_database
from shared.transport import InProcessTransport
from tests.integration.platform.test_consumer_inprocess import _error_envelope

AUDIT = "m2c.audit.v1"


async def _effects(settings: Settings, batches: list[list[bytes]]) -> dict:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings, transport=transport)
    try:
        [spec] = build_alerts().consumers
        loop = runtime.consumer_loop(spec)
        for batch in batches:
            await transport.broker.publish([OutboundMessage(AUDIT, "QY-QC-01", raw) for raw in batch])
            assert await loop.poll_once(0.1) == len(batch)
        async with runtime.session_factory() as s:
            alerts = (await s.execute(text(
                "SELECT fingerprint, state, severity, count, jsonb_array_length(source_event_ids) AS sources"
                " FROM alerts_alerts WHERE unit <> 'M2C' ORDER BY seq"))).all()
            history = (await s.execute(text(
                "SELECT a.fingerprint, h.change, h.changes FROM alerts_history h"
                " JOIN alerts_alerts a ON a.id = h.alert_id WHERE a.unit <> 'M2C' ORDER BY h.id"))).all()
            events = (await s.execute(text(
                "SELECT event_type, payload->'data'->>'fingerprint', payload->'data'->>'count' FROM m2c_outbox"
                " WHERE event_type LIKE 'Alert%' AND payload->'data'->>'unit' <> 'M2C' ORDER BY id"))).all()
        return {"alerts": [tuple(r) for r in alerts], "history": [tuple(r) for r in history],
                "events": [tuple(r) for r in events]}
    finally:
        await runtime.close()


@pytest.fixture
async def second_database_url(pg_server_url: str, template_db: str) -> AsyncIterator[str]:
    """Another fresh database at the migration head (as `database_url`)."""
    async with fresh_database(pg_server_url, template_db) as url:
        yield url


async def test_a_batch_has_the_effects_of_its_events_one_by_one(settings: Settings, second_database_url: str) -> None:
    again = str(uuid.uuid4())  # one error reported three times: one alert, raised then updated twice
    envelopes = [_error_envelope(error_id=again, description="1"), _error_envelope(),
                 _error_envelope(error_id=again, level="accountability", description="2"),
                 _error_envelope(level="notice"),  # no alert
                 _error_envelope(error_id=again, level="accountability", description="3")]
    envelopes.append(envelopes[1])  # a redelivery inside the batch
    batched = await _effects(settings, [envelopes])
    one_by_one = await _effects(settings.model_copy(update={"database_url": second_database_url}),
                                [[raw] for raw in envelopes])
    assert batched == one_by_one
    [(fp, state, severity, count, sources), other] = batched["alerts"]
    assert fp.endswith(again) and (state, severity, count, sources) == ("firing", "critical", 3, 3)
    assert other[1:] == ("firing", "warning", 1, 1)
    assert [change for f, change, _ in batched["history"] if f == fp] == ["raised", "updated", "updated"]
    assert [(t, c) for t, f, c in batched["events"] if f == fp] == [
        ("AlertRaised", "1"), ("AlertUpdated", "2"), ("AlertUpdated", "3")]
    assert json.loads(json.dumps(batched["history"][2][2])) == {"count": [1, 2], "severity": ["warning", "critical"]}
