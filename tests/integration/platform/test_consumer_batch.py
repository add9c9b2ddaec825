"""A fetched batch goes through the database as one transaction; one bad message in it neither
loses nor reorders the others' work, and each event keeps its own correlation id."""

from __future__ import annotations

import json

from sqlalchemy import text

from services.alerts.handlers import on_error_reported
from shared.events.audit import ErrorReported
from shared.messaging.dispatch import BatchHandlers, ReceivedEvent
from shared.messaging.message import OutboundMessage
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport
from tests.helpers import json_of
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
        loop = runtime.consumer_loop(ConsumerSpec("m2c-alerts", (AUDIT,), {ErrorReported: handler}))
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
        [letter] = [json_of(m) for m in transport.broker.messages("m2c.dlq.v1")]
        assert (letter["offset"], letter["reason"], letter["error"]) == (4, "failed", "RuntimeError: boom")
        consumed = runtime.metrics.events_consumed
        assert consumed.labels("m2c-alerts", "ErrorReported", "processed")._value.get() == 9
        assert consumed.labels("m2c-alerts", "ErrorReported", "duplicate")._value.get() == 1
    finally:
        await runtime.close()


async def test_writes_held_back_to_the_batch_end_failing_there_are_pinned_on_the_event_that_made_them(
    settings: Settings,
) -> None:
    """A service holding writes back for the whole batch (BatchHandlers' flush): when they fail at
    the end, the batch is applied again flushing after each event, so the one that breaks them is
    found, retried alone and dead-lettered; the others are applied once, in order."""
    transport = InProcessTransport()
    runtime = await Runtime.open(settings.model_copy(update={"consumer_max_attempts": 2}), transport=transport)
    envelopes = [_error_envelope(description=f"e{i}") for i in range(6)]
    bad = json.loads(envelopes[3])["id"]
    prepared: list[int] = []

    async def prepare(events, uow):  # noqa: ANN001, ANN202
        prepared.append(len(events))
        held: list[str] = []

        async def handler_hook(event: ReceivedEvent) -> None:
            held.append(str(event.envelope.id))

        uow.held_for_test = handler_hook

        async def flush() -> None:
            if bad in held:
                raise ValueError("a column cannot take it")
            held.clear()

        return flush

    async def handler(event: ReceivedEvent, uow) -> None:  # noqa: ANN001
        await on_error_reported(event, uow)
        await uow.held_for_test(event)

    try:
        await transport.broker.publish([OutboundMessage(AUDIT, "QY-QC-01", raw) for raw in envelopes])
        loop = runtime.consumer_loop(ConsumerSpec(
            "m2c-alerts", (AUDIT,), BatchHandlers({ErrorReported: handler}, prepare)))
        loop._retry_pause_s = 0.01
        assert await loop.poll_once(0.1) == 6

        # the whole batch; again flushing after each (stops at e3); e0..e2 applied; e3 alone (its second
        # attempt: the first was in the batch) and dead-lettered; then e4..e5
        assert prepared == [6, 6, 3, 1, 2]
        async with runtime.session_factory() as s:
            alerts = (await s.execute(text("SELECT count(*) FROM alerts_alerts"))).scalar_one()
            inbox = (await s.execute(text("SELECT count(*) FROM m2c_inbox"))).scalar_one()
        assert (alerts, inbox) == (5, 5)
        [letter] = [json_of(m) for m in transport.broker.messages("m2c.dlq.v1")]
        assert (letter["offset"], letter["reason"], letter["error"]) == (3, "failed",
                                                                         "ValueError: a column cannot take it")
    finally:
        await runtime.close()
