"""bill_review's events reach m2c.review.v1 on the real broker, keyed by unit, through outbox and relay."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from services.registry import SERVICES
from shared.events import topics
from shared.http.app import create_app
from shared.settings import Settings
from tests.helpers import SMALL_BUREAU_ORG
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, post_bills, run, suspects

pytestmark = pytest.mark.kafka


async def _read(settings: Settings, count: int) -> list:
    consumer = AIOKafkaConsumer(settings.topic(topics.REVIEW), bootstrap_servers=settings.kafka_bootstrap,
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    out: list = []
    try:
        for _ in range(60):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(records)
            if len(out) >= count:
                break
    finally:
        await consumer.stop()
    return out


async def test_review_events_are_published_on_the_review_topic(kafka_settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        app = create_app(kafka_settings, [SERVICES["scoring"](), SERVICES["bill-review"]()], run_relay=True)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c"))
        assert (await client.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG},
                                  headers=ADMIN)).status_code == 200
        assert (await post_bills(client, [bill("k1", amount="70"), bill("k2", unit="QY-YD-01")])).status_code == 200
        assert (await run(client)).status_code == 200
        [suspect] = await suspects(client)
        r = await client.post(f"/api/v1/review/suspects/{suspect['id']}/confirm", headers=ADMIN,
                              json={"nature": "clerical", "amount": "11.17", "bills_affected": 1})
        assert r.status_code == 200, r.text

        records = await _read(kafka_settings, 3)
        events = [json.loads(record.value) for record in records]
        got = sorted((e["type"], record.key.decode()) for e, record in zip(events, records, strict=True))
        assert got == [("BillReviewCompleted", "QY-QC-01"), ("BillReviewCompleted", "QY-YD-01"),
                       ("ReviewSuspectConfirmed", "QY-QC-01")]
        [confirmed] = [e for e in events if e["type"] == "ReviewSuspectConfirmed"]
        assert confirmed["source"] == "m2c/bill-review" and confirmed["data"]["period"] == PERIOD
        assert confirmed["data"]["error_id"] == r.json()["error_id"] and confirmed["data"]["bill_id"] == "k1"
