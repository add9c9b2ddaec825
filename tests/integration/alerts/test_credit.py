"""Customer credit over the real database: files in, set-based grades, events, incremental payments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal

from shared.clock import ManualClock
from shared.events.intake import RecordPayment
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import EmbeddedClient, embedded_client, eventually
from tests.integration.alerts.support import ADMIN, load_org, publish, rows

AS_OF = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PERIODS = [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]
CSV = {"Content-Type": "text/csv", **ADMIN}


@asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=ManualClock(AS_OF)) as client:
        await load_org(client)
        yield client


def _files() -> dict[str, str]:
    customers = ("customer_no,unit,large,theft_on\n"
                 "C1,QY-QC-01,false,\nC2,QY-QC-01,true,2026-06-01\nC3,QY-QC-02,true,\n")
    bills = ["customer_no,unit,period,amount_due,due_date"]
    pays = ["payment_id,customer_no,unit,period,amount,paid_at"]
    for c, unit in (("C1", "QY-QC-01"), ("C2", "QY-QC-01"), ("C3", "QY-QC-02")):
        for i, p in enumerate(PERIODS):
            bills.append(f"{c},{unit},{p},100.00,{p}-25")
            if c == "C3" and i >= 8:
                continue  # C3 stopped paying in 2026-07
            day = "28" if c == "C3" else "20"  # C3 paid 3 days late
            pays.append(f"{c}-{p},{c},{unit},{p},100.00,{p}-{day}T10:00:00+08:00")
    return {"customers": customers, "bills": "\n".join(bills) + "\n", "payments": "\n".join(pays) + "\n"}


async def test_grades_events_and_incremental_payment(settings: Settings) -> None:
    async with _app(settings) as client:
        runtime = client.app.state.runtime
        for kind, body in _files().items():
            r = await client.post(f"/api/v1/credit/import/{kind}", content=body.encode(), headers=CSV)
            assert r.status_code == 201, r.text
        assert r.json() == {"kind": "payments", "rows": 32, "encoding": "utf-8"}

        r = await client.post("/api/v1/credit/recompute", headers=ADMIN)
        assert r.status_code == 200, r.text
        assert r.json() == {"as_of": "2026-11-20", "changed": 3, "downgraded": 2, "at_risk": 1}

        c1 = (await client.get("/api/v1/credit/customers/C1", headers=ADMIN)).json()
        assert c1["grade"] == "AA" and c1["score"] == 100.0 and c1["reasons"] == ["one_grade_per_evaluation"]
        c2 = (await client.get("/api/v1/credit/customers/C2", headers=ADMIN)).json()
        assert c2["grade"] == "C" and c2["reasons"] == ["theft"] and c2["barred_until"] == "2028-05-31"
        c3 = (await client.get("/api/v1/credit/customers/C3", headers=ADMIN)).json()
        assert c3["grade"] == "C" and c3["reasons"] == ["unpaid_3_months"] and Decimal(c3["arrears"]) == 400
        assert c3["at_risk"] and c3["history"][0]["old_grade"] is None and c3["history"][0]["new_grade"] == "C"

        events = await rows(runtime, "SELECT event_type, payload FROM m2c_outbox WHERE topic = 'm2c.alerts.v1' "
                                     "AND event_type IN ('CreditGradeChanged', 'ArrearsRiskDetected') ORDER BY id")
        kinds = sorted((e["event_type"], e["payload"]["data"]["customer_no"]) for e in events)
        assert kinds == [("ArrearsRiskDetected", "C3"), ("CreditGradeChanged", "C2"), ("CreditGradeChanged", "C3")]
        risk = next(e["payload"]["data"] for e in events if e["event_type"] == "ArrearsRiskDetected")
        assert any("履约保函" in m for m in risk["measures"]) and risk["months_overdue"] == 3

        # the risk becomes an alert through the consumer
        async def risk_alert():
            items = (await client.get("/api/v1/alerts?unit=QY-QC-02", headers=ADMIN)).json()["items"]
            return [a for a in items if a["type"] == "ArrearsRiskDetected"]
        [alert] = await eventually(risk_alert)
        assert alert["severity"] == "critical" and alert["labels"]["customer_no"] == "C3"

        risks = (await client.get("/api/v1/credit/risks", headers=ADMIN)).json()["items"]
        assert [c["customer_no"] for c in risks] == ["C3"]
        assert (await client.get("/api/v1/credit/risks?unit=QY-QC-01", headers=ADMIN)).json()["items"] == []
        hidden = await client.get("/api/v1/credit/customers/C3", headers=token("station", units=("QY-QC-01",)))
        assert hidden.status_code == 404  # issue 11: out of scope reads as absent

        # next evaluation: C1 climbs one more grade, nobody else changes
        r = await client.post("/api/v1/credit/recompute", headers=ADMIN)
        assert r.json()["changed"] == 1
        assert (await client.get("/api/v1/credit/customers/C1", headers=ADMIN)).json()["grade"] == "AAA"

        # C3 pays off everything: incremental re-grade; arrears gone, grade still barred at C
        for p in PERIODS[8:]:
            await publish(runtime, RecordPayment(payment_id=f"late-{p}", customer_no="C3", unit="QY-QC-02",
                                                 period=p, amount=Decimal("100.00"), paid_at=AS_OF), "QY-QC-02")

        async def settled():
            c = (await client.get("/api/v1/credit/customers/C3", headers=ADMIN)).json()
            return c if Decimal(c["arrears"]) == 0 else None
        c3 = await eventually(settled)
        assert c3["grade"] == "C" and not c3["at_risk"] and c3["barred_until"] == "2027-11-20"


async def test_bad_file_is_422_with_the_row_and_writes_nothing(settings: Settings) -> None:
    async with _app(settings) as client:
        runtime = client.app.state.runtime
        body = ("customer_no,unit,period,amount_due,due_date\n"
                "C1,QY-QC-01,2026-01,100.00,2026-01-25\n"
                "C2,QY-QC-01,2026-01,12.345,2026-01-25\n")
        r = await client.post("/api/v1/credit/import/bills", content=body.encode(), headers=CSV)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == "row 3.amount_due"
        assert await rows(runtime, "SELECT * FROM alerts_credit_bills") == []
        assert await rows(runtime, "SELECT * FROM alerts_credit_customers") == []

        r = await client.post("/api/v1/credit/import/bills", content=b"customer_no,unit\nC1,QY\n", headers=CSV)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "row 1.period"
        r = await client.post("/api/v1/credit/import/parcels", content=b"x", headers=CSV)
        assert r.status_code == 422
        r = await client.post("/api/v1/credit/import/bills", content=body.encode(),
                              headers={"Content-Type": "text/csv", **token("viewer")})
        assert r.status_code == 403


async def test_channel_compliance(settings: Settings) -> None:
    async with _app(settings) as client:
        r = await client.put("/api/v1/channels/QY-QC-01", headers=ADMIN, json={
            "area_type": "urban", "channel_types": ["counter", "bank_debit", "online", "site_95598", "pos"]})
        assert r.status_code == 200 and r.json()["compliant"]
        await client.put("/api/v1/channels/QY-LS-01", headers=ADMIN, json={
            "area_type": "rural", "channel_types": ["counter", "mobile"]})
        bad = await client.put("/api/v1/channels/QY-LS-02", headers=ADMIN, json={
            "area_type": "suburban", "channel_types": ["pigeon"]})
        assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"body.area_type"}
        out = (await client.get("/api/v1/channels/compliance", headers=ADMIN)).json()
        assert out["total"] == 2 and out["compliant"] == 1
        assert [(u["unit"], u["offered"], u["target"], u["compliant"]) for u in out["units"]] == [
            ("QY-LS-01", 2, 3, False), ("QY-QC-01", 5, 5, True)]
        mine = (await client.get("/api/v1/channels/compliance", headers=token("station", units=("QY-LS-01",)))).json()
        assert [u["unit"] for u in mine["units"]] == ["QY-LS-01"]


BILLS_HEADER = "customer_no,unit,period,amount_due,due_date\n"


async def test_every_bad_value_is_a_row_numbered_422_and_nothing_is_written(settings: Settings) -> None:
    good = "C1,QY-QC-01,2026-01,100.00,2026-01-25\n"
    cases = [
        ("bills", BILLS_HEADER + good + "C2,QY-QC-01,2026-01,100.00,2026-02-30\n", "row 3.due_date"),
        ("bills", BILLS_HEADER + good + "C2,QY-QC-01,2026-01,-1.00,2026-01-25\n", "row 3.amount_due"),
        ("bills", BILLS_HEADER + good + "C2,QY-QC-01,2026-13,1.00,2026-01-25\n", "row 3.period"),
        ("bills", BILLS_HEADER + good + "C2,qy,2026-01,1.00,2026-01-25\n", "row 3.unit"),
        ("bills", BILLS_HEADER + good + ",QY-QC-01,2026-01,1.00,2026-01-25\n", "row 3.customer_no"),
        ("bills", BILLS_HEADER + good + "C2,QY-QC-01,2026-01,abc,2026-01-25\n", "row 3.amount_due"),
        ("bills", BILLS_HEADER + good + "C2,QY-QC-01,2026-01,1.00\n", "row 3.row"),
        ("bills", BILLS_HEADER + good + "\n" + good, "row 4.period"),  # blank lines keep their row number
        ("bills", "customer_no,unit,period,amount_due,due_date,colour\n" + good, "row 1.colour"),
        ("bills", "customer_no,unit,period,period,amount_due,due_date\n", "row 1.period"),
        ("customers", "customer_no,unit,large\nC1,QY-QC-01,maybe\n", "row 2.large"),
        ("customers", "customer_no,unit,theft_on\nC1,QY-QC-01,2026-1-5\n", "row 2.theft_on"),
        ("payments", "payment_id,customer_no,unit,period,amount,paid_at\nP1,C1,QY-QC-01,2026-01,1.00,yesterday\n",
         "row 2.paid_at"),
        ("payments", "payment_id,customer_no,unit,period,amount,paid_at\nP1,C1,QY-QC-01,2026-01,1.001,"
                     "2026-01-20T10:00:00+08:00\n", "row 2.amount"),
    ]
    async with _app(settings) as client:
        runtime = client.app.state.runtime
        for kind, body, field in cases:
            r = await client.post(f"/api/v1/credit/import/{kind}", content=body.encode(), headers=CSV)
            assert r.status_code == 422, (body, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["errors"][0]["field"] == field, (body, r.text)
        for table in ("alerts_credit_bills", "alerts_credit_customers", "alerts_credit_payments"):
            assert await rows(runtime, f"SELECT * FROM {table}") == []
        r = await client.post("/api/v1/credit/import/bills", content=b"\xff\xfe", headers=CSV)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "line 1"  # undecodable: the line is named
        r = await client.post("/api/v1/credit/import/bills", content=b"", headers=CSV)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "row 1.header"


async def test_file_details_same_results(settings: Settings) -> None:
    async with _app(settings) as client:
        runtime = client.app.state.runtime
        # a bill twice in one file is refused, naming the second row
        r = await client.post("/api/v1/credit/import/bills", headers=CSV, content=(
            BILLS_HEADER + "C1,QY-QC-01,2026-01,100,2026-01-25\nC1,QY-QC-01,2026-01,90,2026-01-25\n").encode())
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "row 3.period"
        # BOM, CRLF, spaces, quoted values and blank lines; a payment repeated counts once (the first)
        body = ("\ufeffcustomer_no,unit,period,amount_due,due_date\r\n"
                ' C1 ,QY-QC-01,2026-01,"100.5",2026-01-25\r\n\r\nC1,QY-QC-01,2026-02,1e2,2026-02-25\r\n')
        r = await client.post("/api/v1/credit/import/bills", content=body.encode(), headers=CSV)
        assert r.status_code == 201 and r.json() == {"kind": "bills", "rows": 2, "encoding": "utf-8-sig"}, r.text
        pays = ("payment_id,customer_no,unit,period,amount,paid_at,channel\n"
                "P1,C1,QY-QC-01,2026-01,60,2026-01-20T23:00:00Z,\n"
                "P1,C1,QY-QC-01,2026-01,999,2026-01-20T10:00:00+08:00,bank\n"
                "P2,C1,QY-QC-01,2026-01,40.50,2026-01-22 10:00:00,counter\n")
        r = await client.post("/api/v1/credit/import/payments", content=pays.encode(), headers=CSV)
        assert r.status_code == 201 and r.json()["rows"] == 3, r.text
        bills = await rows(runtime, "SELECT customer_no, period, amount_due, paid_amount, paid_on::text AS paid_on"
                                    " FROM alerts_credit_bills ORDER BY period")
        assert bills == [
            {"customer_no": "C1", "period": "2026-01", "amount_due": Decimal("100.50"),
             "paid_amount": Decimal("100.50"), "paid_on": "2026-01-22"},
            {"customer_no": "C1", "period": "2026-02", "amount_due": Decimal("100.00"),
             "paid_amount": Decimal("0.00"), "paid_on": None}]
        [c1] = await rows(runtime, "SELECT customer_no, unit, large FROM alerts_credit_customers")
        assert c1 == {"customer_no": "C1", "unit": "QY-QC-01", "large": False}
        p1 = await rows(runtime, "SELECT amount, channel, paid_at FROM alerts_credit_payments WHERE payment_id = 'P1'")
        assert p1 == [{"amount": Decimal("60.00"), "channel": None, "paid_at": datetime(2026, 1, 20, 23, tzinfo=UTC)}]
