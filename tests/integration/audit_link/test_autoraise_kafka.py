"""Auto-raise from a real ScoresPublished through Kafka; a redelivered message raises nothing twice."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from services.registry import SERVICES
from shared.clock import ManualClock
from shared.events import topics
from shared.events.scoring import PublishedUnitScore, ScoresPublished
from shared.http.app import create_app
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import eventually
from tests.integration.audit_link.conftest import MID_OCTOBER

pytestmark = pytest.mark.kafka
CS = token("customer_service")


async def _read(bootstrap: str, topic: str, count: int) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: list = []
    try:
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(records)
            if len(out) >= count:
                break
    finally:
        await consumer.stop()
    return out


async def test_scores_published_over_kafka_raise_one_ticket(kafka_settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        # A fixed clock before the yearly calendar check (1 Nov): no CalendarYearMissing on the topic.
        app = create_app(kafka_settings, [SERVICES["audit-link"]()], run_relay=True, clock=ManualClock(MID_OCTOBER))
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c"))
        runtime = app.state.runtime

        async def ticket_rows() -> list:
            async with runtime.session_factory() as s:
                return (await s.execute(text("SELECT unit, reason, period FROM audit_tickets"))).all()

        published = ScoresPublished(
            period="2026-10", revision=1, scheme="2026-v1", ticket_threshold=80.0, published_at=datetime.now(UTC),
            units=[PublishedUnitScore(unit="QY-QC-01", level="station", score=71.5, red_indicators=["bill_error_rate"]),
                   PublishedUnitScore(unit="QY-QC-02", level="station", score=88.0)],
        )
        async with runtime.uow() as uow:  # as the scoring service would: through the outbox and relay
            uow.emit(published, subject="2026-10")
            await uow.commit()

        assert await eventually(ticket_rows) == [("QY-QC-01", "low_score", "2026-10")]
        s = kafka_settings
        [record] = await _read(s.required_kafka_bootstrap(), s.topic(topics.SCORING), 1)
        assert json.loads(record.value)["type"] == "ScoresPublished"

        producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap)
        await producer.start()
        try:  # the very same message again, as an upstream retry would send it
            await producer.send_and_wait(record.topic, record.value, key=record.key)
        finally:
            await producer.stop()

        await eventually(lambda: _duplicates_seen(runtime))  # the consumer got it, and the inbox refused it
        assert await ticket_rows() == [("QY-QC-01", "low_score", "2026-10")]
        raised = await _read(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), 1)
        assert [json.loads(r.value)["type"] for r in raised] == ["TicketRaised"]
        assert raised[0].key == b"QY-QC-01"
        listed = (await client.get("/api/v1/tickets", headers=CS)).json()["items"]
        assert [(t["unit"], t["state"]) for t in listed] == [("QY-QC-01", "issued")]


async def _duplicates_seen(runtime) -> float:
    """ScoresPublished messages the consumer recognised as already processed."""
    total = 0.0
    for metric in runtime.metrics.events_consumed.collect():
        for sample in metric.samples:
            if sample.labels.get("type") == "ScoresPublished" and sample.labels.get("outcome") == "duplicate":
                total += sample.value
    return total
