"""The consumer loop and inbox over a real database, on the in-process transport."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from services.alerts.bootstrap import build as build_alerts
from shared.events.audit import ErrorReported
from shared.events.envelope import new_envelope
from shared.messaging.dispatch import ReceivedEvent
from shared.messaging.message import OutboundMessage
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport
from tests.helpers import json_of


def _error_envelope(**overrides) -> bytes:
    data = {"error_id": str(uuid.uuid4()), "unit": "QY-QC-01", "period": "2026-10", "category": "reading",
            "nature": "fraud", "amount": "500.00", "description": "x", "reporter": "t",
            "reported_at": "2026-10-05T08:00:00Z", **overrides}
    env = new_envelope(type_="ErrorReported", source="m2c/audit-link", version=1, subject="QY-QC-01", data=data)
    return env.to_bytes()


async def _alert_count(runtime: Runtime) -> int:
    async with runtime.session_factory() as s:
        return (await s.execute(text("SELECT count(*) FROM alerts_alerts"))).scalar_one()


async def test_same_event_delivered_twice_has_one_effect(settings: Settings) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings, transport=transport)
    try:
        [spec] = build_alerts().consumers
        raw = _error_envelope()
        await transport.broker.publish([OutboundMessage("m2c.audit.v1", "QY-QC-01", raw)] * 2)
        assert await runtime.consumer_loop(spec).poll_once(0.1) == 2
        assert await _alert_count(runtime) == 1
        async with runtime.session_factory() as s:
            count = (await s.execute(text("SELECT count FROM alerts_alerts"))).scalar_one()
        assert count == 1
    finally:
        await runtime.close()


async def test_poison_and_failing_messages_go_to_the_dlq_and_the_loop_goes_on(settings: Settings) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings.model_copy(update={"consumer_max_attempts": 2}), transport=transport)
    attempts = []

    async def always_fails(event: ReceivedEvent, uow) -> None:
        attempts.append(event.envelope.id)
        raise RuntimeError("boom")

    try:
        good = _error_envelope()
        await transport.broker.publish([
            OutboundMessage("m2c.audit.v1", "k", b"\xff not json"),
            OutboundMessage("m2c.audit.v1", "k", b'{"specversion": "1.0"}'),
            OutboundMessage("m2c.audit.v1", "k", _error_envelope(period="2026-13")),
            OutboundMessage("m2c.audit.v1", "k", good),
        ])
        [spec] = build_alerts().consumers
        assert await runtime.consumer_loop(spec).poll_once(0.1) == 4
        assert await _alert_count(runtime) == 1  # the good one went through after three bad ones

        failing = ConsumerSpec("m2c-failing", ("m2c.audit.v1",), {ErrorReported: always_fails})
        loop = runtime.consumer_loop(failing)
        loop._retry_pause_s = 0.01
        await loop.poll_once(0.1)
        assert len(attempts) == 2  # the one valid ErrorReported, tried max_attempts times

        dead = [json_of(m) for m in transport.broker.messages("m2c.dlq.v1")]
        errors = [(d["consumer_group"], d["offset"], d["error"].split(":")[0]) for d in dead]
        assert errors == [
            ("m2c-alerts", 0, "not JSON"), ("m2c-alerts", 1, "not a CloudEvents envelope"),
            ("m2c-alerts", 2, "ErrorReported payload invalid"),
            ("m2c-failing", 0, "not JSON"), ("m2c-failing", 1, "not a CloudEvents envelope"),
            ("m2c-failing", 2, "ErrorReported payload invalid"),
            ("m2c-failing", 3, "RuntimeError"),
        ]
        assert dead[0]["value_encoding"] == "base64" and dead[1]["value"] == {"specversion": "1.0"}
        # Nothing of the failed handler's transaction stayed behind.
        async with runtime.session_factory() as s:
            consumers = (await s.execute(text("SELECT DISTINCT consumer FROM m2c_inbox"))).scalars().all()
        assert consumers == ["m2c-alerts"]
    finally:
        await runtime.close()
