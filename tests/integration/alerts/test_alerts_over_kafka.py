"""A real TicketEscalated through the outbox relay and the Kafka broker becomes an alert."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from services.registry import SERVICES
from shared.events import topics
from shared.http.app import create_app
from shared.settings import Settings
from tests.helpers import eventually
from tests.integration.alerts.support import ADMIN, escalated, publish
from tests.integration.kafka.test_backbone import _read_topic

pytestmark = pytest.mark.kafka


async def test_ticket_escalated_through_kafka_raises_an_alert(kafka_settings: Settings) -> None:
    app = create_app(kafka_settings, [SERVICES["alerts"]()], run_relay=True)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c") as client):
        runtime = app.state.runtime
        ticket = uuid.uuid4()
        await publish(runtime, escalated(ticket, unit="QY-YD-02", level=2), "QY-YD-02")

        async def alert():
            return (await client.get("/api/v1/alerts?unit=QY-YD-02", headers=ADMIN)).json()["items"]

        [a] = await eventually(alert, timeout_s=40)
        assert a["severity"] == "warning" and a["fingerprint"] == f"TicketEscalated:QY-YD-02:{ticket}"

        s = kafka_settings
        [source] = await _read_topic(s.kafka_bootstrap, s.topic(topics.AUDIT), 1)
        assert a["source_event_ids"] == [json.loads(source.value)["id"]]
        [raised] = await _read_topic(s.kafka_bootstrap, s.topic(topics.ALERTS), 1)
        body = json.loads(raised.value)
        assert body["type"] == "AlertRaised" and body["data"]["alert_id"] == a["id"] and raised.key == b"QY-YD-02"
