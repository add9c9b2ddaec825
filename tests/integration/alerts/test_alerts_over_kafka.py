"""A real TicketEscalated through the outbox relay and the Kafka broker becomes an alert."""

from __future__ import annotations

import json
import uuid

import httpx
import jsonschema
import pytest

from services.registry import SERVICES
from shared.events import topics
from shared.events.catalog import by_name
from shared.events.schemas import event_schema
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
        bus = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "数据总线", "match": {"types": ["TicketEscalated"]}, "group_wait_s": 0,
            "channel": {"type": "kafka"}})
        assert bus.status_code == 201, bus.text
        ticket = uuid.uuid4()
        await publish(runtime, escalated(ticket, unit="QY-YD-02", level=2), "QY-YD-02")

        async def alert():
            return (await client.get("/api/v1/alerts?unit=QY-YD-02", headers=ADMIN)).json()["items"]

        [a] = await eventually(alert, timeout_s=40)
        assert a["severity"] == "warning" and a["fingerprint"] == f"TicketEscalated:QY-YD-02:{ticket}"

        s = kafka_settings
        [source] = await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), 1)
        assert a["source_event_ids"] == [json.loads(source.value)["id"]]
        raised, digest = await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.ALERTS), 2, timeout_s=40)
        body = json.loads(raised.value)
        assert body["type"] == "AlertRaised" and body["data"]["alert_id"] == a["id"] and raised.key == b"QY-YD-02"
        # the Kafka subscription's grouped notification (issue 16), valid against the published schema
        group = json.loads(digest.value)
        jsonschema.Draft202012Validator(event_schema(by_name()["AlertGroupNotified"])).validate(group)
        assert group["type"] == "AlertGroupNotified" and digest.key == bus.json()["id"].encode()
        assert group["data"]["group_labels"] == {"type": "TicketEscalated", "unit": "QY-YD-02"}
        assert [x["alert_id"] for x in group["data"]["alerts"]] == [a["id"]] and group["data"]["count"] == 1
