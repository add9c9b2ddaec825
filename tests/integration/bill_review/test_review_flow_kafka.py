"""A suspect confirmed in bill review flows over the real broker: audit_link registers the error (graded,
bills_affected), scoring fills its review counters and bills_erroneous, bill review sees the error come
back (from review, not a miss) — three consumer groups, two apps that share nothing but Kafka and the
database."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest

from services.registry import SERVICES
from shared.clock import ManualClock
from shared.http.app import create_app
from shared.settings import Settings
from tests.helpers import SMALL_BUREAU_ORG, eventually, seed_org_units
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, post_bills, run, suspects

pytestmark = pytest.mark.kafka
MID_OCTOBER = ManualClock(datetime(2026, 10, 15, 2, tzinfo=UTC))  # before the yearly calendar check


async def _client(stack: AsyncExitStack, app) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    return await stack.enter_async_context(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c", timeout=10))


async def test_confirm_registers_the_error_and_fills_the_counters_over_kafka(kafka_settings: Settings) -> None:
    await seed_org_units(kafka_settings.required_database_url(), SMALL_BUREAU_ORG)
    async with AsyncExitStack() as stack:
        review = await _client(stack, create_app(kafka_settings, [SERVICES["scoring"](), SERVICES["bill-review"]()],
                                                 run_relay=True, clock=MID_OCTOBER))
        # one outbox in the shared database, one relay (the first app's) publishes it
        audit = await _client(stack, create_app(kafka_settings, [SERVICES["audit-link"]()], clock=MID_OCTOBER))
        assert (await post_bills(review, [bill("k1", amount="70"), bill("k2"), bill("k3", "0", last_month_kwh="80")])
                ).status_code == 200
        assert (await run(review)).status_code == 200
        by_bill = {s["bill_id"]: s for s in await suspects(review)}
        r = await review.post(f"/api/v1/review/suspects/{by_bill['k1']['id']}/confirm", headers=ADMIN,
                              json={"nature": "clerical", "amount": "-11.17", "bills_affected": 2})
        assert r.status_code == 200, r.text
        error_id = r.json()["error_id"]

        async def registered():
            got = await audit.get(f"/api/v1/errors/{error_id}", headers=ADMIN)
            return got.json() if got.status_code == 200 else None
        error = await eventually(registered, timeout_s=40)
        assert error["bills_affected"] == 2 and error["unit"] == "QY-QC-01" and error["customer_no"] == "C-k1"
        assert error["level"] is not None and error["points"] is not None  # graded
        assert error["evidence"].endswith("bill k1 rule amount_mismatch")

        async def counters():
            items = (await review.get(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN)).json()["items"]
            got: dict[str, int] = next((i["counters"] for i in items if i["unit"] == "QY-QC-01"), {})
            return got if got.get("bills_erroneous") == 2 and got.get("review_suspects_handled") == 1 else None
        assert await eventually(counters, timeout_s=40) == {
            "bills_reviewed": 3, "review_suspects": 2, "review_suspects_open": 1, "review_suspects_handled": 1,
            "bills_erroneous": 2}

        async def came_back():
            body = (await review.get("/api/v1/review/effectiveness", params={"first": PERIOD},
                                     headers=ADMIN)).json()
            return body["periods"] if body["periods"] and body["periods"][0]["errors"] else None
        assert await eventually(came_back, timeout_s=40) == [
            {"period": PERIOD, "errors": 1, "from_review": 1, "misses": 0}]
