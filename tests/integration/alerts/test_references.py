"""Issue 10 point 4 in alerts: facts for unknown org units or months after the current one are refused,
named by field (or by row, for a file), and nothing of the request is written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx

from shared.clock import ManualClock
from shared.events.intake import RecordPayment
from shared.settings import Settings
from tests.helpers import EmbeddedClient, embedded_client, eventually, runtime_of
from tests.integration.alerts.support import ADMIN, load_org, publish, rows

AS_OF = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # already 2026-12-01 01:00 in Asia/Shanghai
CSV = {"Content-Type": "text/csv", **ADMIN}
TABLES = ("alerts_credit_bills", "alerts_credit_customers", "alerts_credit_payments")


@asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=ManualClock(AS_OF)) as client:
        await load_org(client)
        yield client


async def _nothing_written(client: httpx.AsyncClient) -> None:
    runtime = runtime_of(client)
    for table in TABLES:
        assert await rows(runtime, f"SELECT * FROM {table}") == [], table


async def test_channels_of_an_unknown_unit_are_422_naming_the_unit(settings: Settings) -> None:
    async with _app(settings) as client:
        r = await client.put("/api/v1/channels/QY-ZZ-99", headers=ADMIN, json={
            "area_type": "urban", "channel_types": ["counter"]})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"] == [{"field": "unit", "message": "没有单位 QY-ZZ-99"}]
        assert (await client.get("/api/v1/channels/compliance", headers=ADMIN)).json()["total"] == 0
        ok = await client.put("/api/v1/channels/QY-LS-01", headers=ADMIN, json={
            "area_type": "rural", "channel_types": ["counter"]})
        assert ok.status_code == 200, ok.text


async def test_a_file_with_an_unknown_unit_or_a_later_month_is_refused_at_its_row(settings: Settings) -> None:
    bills = "customer_no,unit,period,amount_due,due_date\n"
    good = "C1,QY-QC-01,2026-11,100.00,2026-11-25\n"
    pays = "payment_id,customer_no,unit,period,amount,paid_at\n"
    cases = [
        # (kind, body, field named, message)
        ("bills", bills + good + "C2,QY-ZZ-99,2026-11,1.00,2026-11-25\n", "row 3.unit",
         "第 3 行 unit 无效：没有单位 QY-ZZ-99"),
        # the runtime's clock says it is December in Shanghai: 2026-12 is current, 2027-01 lies ahead
        ("bills", bills + good + "\nC2,QY-QC-02,2027-01,1.00,2027-01-25\n", "row 4.period",
         "第 4 行 period 无效：账期 2027-01 晚于本月 2026-12"),
        ("customers", "customer_no,unit\nC1,QY-QC-01\nC2,QY-QC-01\nC3,QY-QC\nC4,QY-XX-01\n", "row 5.unit",
         "第 5 行 unit 无效：没有单位 QY-XX-01"),
        ("payments", pays + "P1,C1,QY-QC-01,2026-12,1.00,2026-12-01T00:30:00+08:00\n"
                            "P2,C1,QY-QC-01,2099-01,1.00,2026-12-01T00:30:00+08:00\n", "row 3.period",
         "第 3 行 period 无效：账期 2099-01 晚于本月 2026-12"),
    ]
    async with _app(settings) as client:
        for kind, body, field, message in cases:
            r = await client.post(f"/api/v1/credit/import/{kind}", content=body.encode(), headers=CSV)
            assert r.status_code == 422, (body, r.text)
            [error] = r.json()["errors"]
            assert (error["field"], error["message"]) == (field, message), r.text
        await _nothing_written(client)

        # the same files without the bad rows load: units that exist, months up to the current one
        r = await client.post("/api/v1/credit/import/bills", headers=CSV, content=(
            bills + good + "C2,QY-QC-02,2026-12,1.00,2026-12-25\n").encode())
        assert r.status_code == 201 and r.json()["rows"] == 2, r.text


async def test_a_payment_event_for_an_unknown_unit_is_dead_lettered_and_not_recorded(settings: Settings) -> None:
    async with _app(settings) as client:
        runtime = client.app.state.runtime
        paid = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        await publish(runtime, RecordPayment(payment_id="P-bad", customer_no="C9", unit="QY-ZZ-99", period="2026-11",
                                             amount="10.00", paid_at=paid), "QY-ZZ-99")
        await publish(runtime, RecordPayment(payment_id="P-later", customer_no="C9", unit="QY-QC-01",
                                             period="2027-03", amount="10.00", paid_at=paid), "QY-QC-01")
        await publish(runtime, RecordPayment(payment_id="P-ok", customer_no="C8", unit="QY-QC-01", period="2026-11",
                                             amount="10.00", paid_at=paid), "QY-QC-01")

        async def dead() -> list[dict]:
            out = [json.loads(m.value) for m in runtime.transport.broker.messages("m2c.dlq.v1")]
            mine = [d for d in out if d["consumer_group"] == "m2c-alerts"]
            return mine if len(mine) >= 2 else []
        letters = await eventually(dead)
        errors = sorted(d["error"] for d in letters)
        assert len(errors) == 2
        assert "没有单位 QY-ZZ-99" in errors[0] + errors[1]
        assert "账期 2027-03 晚于本月" in errors[0] + errors[1]
        await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_credit_payments WHERE payment_id = 'P-ok'"))
        assert await rows(runtime, "SELECT payment_id FROM alerts_credit_payments") == [{"payment_id": "P-ok"}]
        assert await rows(runtime, "SELECT customer_no FROM alerts_credit_customers") == [{"customer_no": "C8"}]
