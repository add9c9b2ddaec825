"""ErrorReported from audit_link reaches scoring through the real broker and counts exactly once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.registry import SERVICES
from shared.events import topics
from shared.http.app import create_app
from shared.settings import Settings
from tests.helpers import ERROR_BODY, SMALL_BUREAU_ORG, eventually
from tests.integration.scoring.conftest import ADMIN

pytestmark = pytest.mark.kafka


async def _client(stack: AsyncExitStack, app) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    return await stack.enter_async_context(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c"))


async def _first_record(settings: Settings):
    consumer = AIOKafkaConsumer(settings.topic(topics.AUDIT), bootstrap_servers=settings.kafka_bootstrap,
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                return records[0]
    finally:
        await consumer.stop()


async def test_error_reported_raises_bills_erroneous_exactly_once(kafka_settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        audit = await _client(stack, create_app(kafka_settings, [SERVICES["audit-link"]()], run_relay=True))
        scoring = await _client(stack, create_app(kafka_settings, [SERVICES["scoring"]()]))
        assert (await scoring.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG},
                                   headers=ADMIN)).status_code == 200

        async def erroneous() -> int | None:
            items = (await scoring.get("/api/v1/facts/2026-10/counters", headers=ADMIN)).json()["items"]
            return next((i["counters"].get("bills_erroneous") for i in items if i["unit"] == "QY-QC-01"), None)

        assert (await audit.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)).status_code == 201
        assert await eventually(erroneous) == 1

        # An upstream retry: the very same message again. A later error on the same (single) partition
        # is consumed after it, so once the count reaches 2 the duplicate has been seen and ignored.
        record = await asyncio.wait_for(_first_record(kafka_settings), 20)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(record.topic, record.value, key=record.key)
        finally:
            await producer.stop()
        assert (await audit.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)).status_code == 201
        assert await eventually(lambda: _at_least(erroneous, 2)) == 2
        await asyncio.sleep(1)
        assert await erroneous() == 2


async def _at_least(probe, n: int) -> int | None:
    value = await probe()
    return value if value is not None and value >= n else None
