"""The event backbone end to end through a real Kafka 4.x broker."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from contextlib import AsyncExitStack

import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from shared.events import topics
from shared.events.catalog import by_name
from shared.events.schemas import event_schema
from shared.messaging.kafka import KafkaPublisher
from shared.messaging.relay import OutboxRelay
from shared.observability import Metrics
from shared.testing.plugin import token
from tests.helpers import GRAVE_ERROR_BODY, eventually
from tests.integration.kafka.conftest import Services, start_services
from tests.integration.platform.test_outbox_relay import DiesBeforePublishing

pytestmark = pytest.mark.kafka
ADMIN = token("admin")


async def _alerts_for(services: Services, error_id: str) -> list[dict]:
    items = (await services.alerts.get("/api/v1/alerts?limit=500", headers=ADMIN)).json()["items"]
    return [a for a in items if a["fingerprint"].endswith(error_id)]


async def _post_error(services: Services, **changes) -> str:
    r = await services.audit_link.post("/api/v1/errors", json={**GRAVE_ERROR_BODY, **changes}, headers=ADMIN)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _read_topic(bootstrap: str, topic: str, count: int, timeout_s: float = 20) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(out) < count and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(records)
    finally:
        await consumer.stop()
    return out


async def test_error_posted_to_audit_link_becomes_an_alert(kafka_services: Services) -> None:
    error_id = await _post_error(kafka_services, unit="QY-YD-03")
    [alert] = await eventually(lambda: _alerts_for(kafka_services, error_id))
    assert alert["unit"] == "QY-YD-03" and alert["count"] == 1

    # The alerts service never saw audit_link's tables: it got the event from the topic.
    s = kafka_services.settings
    [record] = await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), 1)
    assert record.key == b"QY-YD-03"
    assert json.loads(record.value)["data"]["error_id"] == error_id
    assert alert["source_event_ids"] == [json.loads(record.value)["id"]]


async def test_same_event_delivered_twice_gives_one_alert(kafka_services: Services) -> None:
    s = kafka_services.settings
    error_id = await _post_error(kafka_services)
    [record] = await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), 1)
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap)
    await producer.start()
    try:  # an upstream retry: the very same message again
        await producer.send_and_wait(record.topic, record.value, key=record.key)
    finally:
        await producer.stop()
    assert len(await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), 2)) == 2

    runtime = kafka_services.alerts.app.state.runtime

    async def both_consumed():
        async with runtime.session_factory() as session:
            n = (await session.execute(text(
                "SELECT count(*) FROM m2c_inbox WHERE consumer = 'm2c-alerts'"))).scalar_one()
        consumed = runtime.metrics.events_consumed
        dup = consumed.labels("m2c-alerts", "ErrorReported", "duplicate")._value.get()
        return n == 1 and dup == 1

    await eventually(both_consumed)
    [alert] = await _alerts_for(kafka_services, error_id)
    assert alert["count"] == 1


async def test_relay_crash_between_commit_and_publish_still_delivers(kafka_settings) -> None:
    async with AsyncExitStack() as stack:
        services = await start_services(stack, kafka_settings, relay=False)
        error_id = await _post_error(services)  # committed with its outbox row; nothing published yet
        runtime = services.audit_link.app.state.runtime

        dying = DiesBeforePublishing()
        task = asyncio.create_task(OutboxRelay(runtime.session_factory, dying, Metrics()).relay_once())
        await asyncio.wait_for(dying.entered.wait(), 5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(1)
        assert await _alerts_for(services, error_id) == []

        publisher = KafkaPublisher(kafka_settings.kafka_bootstrap)  # the restarted relay
        await publisher.start()
        try:
            assert await OutboxRelay(runtime.session_factory, publisher, Metrics()).relay_once() == 1
        finally:
            await publisher.stop()
        [alert] = await eventually(lambda: _alerts_for(services, error_id))
        assert alert["count"] == 1


async def test_garbage_lands_in_the_dlq_and_the_consumer_goes_on(kafka_services: Services) -> None:
    s = kafka_services.settings
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(s.topic(topics.AUDIT), b"this is not an event", key=b"QY-QC-01")
    finally:
        await producer.stop()
    error_id = await _post_error(kafka_services)

    await eventually(lambda: _alerts_for(kafka_services, error_id))
    [dead] = await _read_topic(s.required_kafka_bootstrap(), s.topic(topics.DLQ), 1)
    body = json.loads(dead.value)
    assert body["topic"] == s.topic(topics.AUDIT) and body["consumer_group"] == "m2c-alerts"
    assert body["error"].startswith("not JSON") and body["value_encoding"] == "base64"


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat (Debian package) is not installed")
async def test_outside_client_reads_events_that_match_the_published_schema(kafka_services: Services) -> None:
    s = kafka_services.settings
    error_ids = [await _post_error(kafka_services, unit=u) for u in ("QY-QC-01", "QY-LS-02")]
    await eventually(lambda: _alerts_for(kafka_services, error_ids[-1]))

    out = await asyncio.to_thread(
        subprocess.run,
        ["kcat", "-b", s.required_kafka_bootstrap(), "-C", "-t", s.topic(topics.AUDIT), "-o", "beginning", "-e", "-q",
         "-f", "%k\t%h\t%s\n"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    lines = [line.split("\t", 2) for line in out.stdout.splitlines() if line]
    assert len(lines) == 2
    validator = jsonschema.Draft202012Validator(event_schema(by_name()["ErrorReported"]),
                                                format_checker=jsonschema.FormatChecker())
    seen = set()
    for key, headers, value in lines:
        message = json.loads(value)
        validator.validate(message)
        assert key == message["subject"] == message["data"]["unit"]
        assert "correlation_id=" in headers
        seen.add(message["data"]["error_id"])
    assert seen == set(error_ids)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a broken message
        validator.validate({**json.loads(lines[0][2]), "data": {"unit": "QY"}})
