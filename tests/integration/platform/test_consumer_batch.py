"""A fetched batch goes through the database as one transaction; one bad message in it neither
loses nor reorders the others' work, and each event keeps its own correlation id."""

from __future__ import annotations

import json

from sqlalchemy import text

from services.alerts.handlers import on_error_reported
from shared.messaging.dispatch import ReceivedEvent
from shared.messaging.message import OutboundMessage
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport
from tests.integration.platform.test_consumer_inprocess import _error_envelope

AUDIT = "m2c.audit.v1"


async def test_a_failing_message_mid_batch_is_dead_lettered_alone_and_the_rest_applied_once(
    settings: Settings,
) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings.model_copy(update={"consumer_max_attempts": 2}), transport=transport)
    seen: list[str] = []
    envelopes = [_error_envelope(description=f"e{i}") for i in range(10)]
    bad = json.loads(envelopes[4])["id"]

    async def handler(event: ReceivedEvent, uow) -> None:
        seen.append(event.payload.description)
        await on_error_reported(event, uow)
        if str(event.envelope.id) == bad:  # after its writes: they must be undone
            raise RuntimeError("boom")

    try:
        await transport.broker.publish(
            [OutboundMessage(AUDIT, "QY-QC-01", raw, {"correlation_id": f"c{i}"}) for i, raw in enumerate(envelopes)]
            + [OutboundMessage(AUDIT, "QY-QC-01", envelopes[7], {"correlation_id": "again"})])  # a redelivery
        loop = runtime.consumer_loop(ConsumerSpec("m2c-alerts", (AUDIT,), {"ErrorReported": handler}))
        loop._retry_pause_s = 0.01
        assert await loop.poll_once(0.1) == 11

        # In order: e0..e4 (e4 fails), e0..e3 again (the batch rolled back), e4 alone, then e5..e9.
        assert seen == [f"e{i}" for i in range(5)] + [f"e{i}" for i in range(5)] + [f"e{i}" for i in range(5, 10)]
        async with runtime.session_factory() as s:
            alerts = (await s.execute(text("SELECT count(*) FROM alerts_alerts"))).scalar_one()
            inbox = (await s.execute(text("SELECT count(*) FROM m2c_inbox"))).scalar_one()
            headers = (await s.execute(text(
                "SELECT headers->>'correlation_id' FROM m2c_outbox WHERE event_type = 'AlertRaised' ORDER BY id"
            ))).scalars().all()
        assert (alerts, inbox) == (9, 9)
        assert headers == [f"c{i}" for i in range(10) if i != 4]
        [letter] = [json.loads(m.value) for m in transport.broker.messages("m2c.dlq.v1")]
        assert (letter["offset"], letter["reason"], letter["error"]) == (4, "failed", "RuntimeError: boom")
        consumed = runtime.metrics.events_consumed
        assert consumed.labels("m2c-alerts", "ErrorReported", "processed")._value.get() == 9
        assert consumed.labels("m2c-alerts", "ErrorReported", "duplicate")._value.get() == 1
    finally:
        await runtime.close()
