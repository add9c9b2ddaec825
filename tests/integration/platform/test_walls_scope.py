"""One scope rule on every path (issue 11.1): the leaks found by the probe, as regression tests.

A token scoped to QY-QC must not write rows of QY-FG-06 (credit files, silences, counters), must
not list or delete another county's silences and subscriptions, and reads out of scope answer 404
the same way everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from shared.clock import ManualClock
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, EmbeddedClient, embedded_client, org_of, runtime_of

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ADMIN = token("admin")
MARKETING_QC = token("marketing", units=("QY-QC",), subject="mkt-qc")
CS_QC = token("customer_service", units=("QY-QC",), subject="cs-qc")
CSV = {"Content-Type": "text/csv"}
ORG = org_of("QY-QC-01", "QY-QC-07", "QY-FG-06")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=ManualClock(NOW)) as c:
        r = await c.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield c


async def _count(c: httpx.AsyncClient, sql: str) -> int:
    from sqlalchemy import text
    async with runtime_of(c).session_factory() as s:
        return int((await s.execute(text(sql))).scalar_one())


async def test_scoped_marketing_cannot_import_or_regrade_another_county(client: httpx.AsyncClient) -> None:
    theirs = "customer_no,unit,large\nFG1,QY-FG-06,false\n"
    assert (await client.post("/api/v1/credit/import/customers", content=theirs, headers={**CSV, **ADMIN})
            ).status_code == 201
    # a customer of another county, in a file naming it
    r = await client.post("/api/v1/credit/import/customers", content="customer_no,unit,large\n"
                          "QC1,QY-QC-01,false\nFG2,QY-FG-06,false\n", headers={**CSV, **MARKETING_QC})
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("out-of-scope") and r.json()["errors"][0]["row"] == 3
    # a ¥99 999 bill for the other county's customer, disguised under an own unit
    r = await client.post("/api/v1/credit/import/bills", content="customer_no,unit,period,amount_due,due_date\n"
                          "FG1,QY-QC-01,2026-10,99999.00,2026-10-25\n", headers={**CSV, **MARKETING_QC})
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "row 2.unit", r.text
    assert await _count(client, "SELECT count(*) FROM alerts_credit_customers") == 1
    assert await _count(client, "SELECT count(*) FROM alerts_credit_bills") == 0
    # a city-wide recompute needs a city-wide token
    assert (await client.post("/api/v1/credit/recompute", headers=MARKETING_QC)).status_code == 403
    assert (await client.post("/api/v1/credit/recompute", headers=ADMIN)).status_code == 200
    # its own rows still go in
    r = await client.post("/api/v1/credit/import/customers", content="customer_no,unit,large\nQC1,QY-QC-01,false\n",
                          headers={**CSV, **MARKETING_QC})
    assert r.status_code == 201, r.text
    assert (await client.get("/api/v1/credit/customers/FG1", headers=MARKETING_QC)).status_code == 404
    assert (await client.get("/api/v1/credit/customers/QC1", headers=MARKETING_QC)).status_code == 200


def _silence(unit: str | None) -> dict:
    matchers = [{"name": "unit", "value": unit}] if unit else [{"name": "type", "value": "TicketEscalated"}]
    return {"matchers": matchers, "ends_at": "2026-12-01T00:00:00+08:00", "comment": "检修"}


async def test_silences_are_scoped(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/silences", json=_silence("QY-FG-06"), headers=CS_QC)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "body.matchers", r.text
    assert (await client.post("/api/v1/silences", json=_silence(None), headers=CS_QC)).status_code == 403
    theirs = (await client.post("/api/v1/silences", json=_silence("QY-FG-06"), headers=ADMIN)).json()
    city = (await client.post("/api/v1/silences", json=_silence(None), headers=ADMIN)).json()
    own = await client.post("/api/v1/silences", json=_silence("QY-QC-07"), headers=CS_QC)
    assert own.status_code == 201, own.text

    listed = (await client.get("/api/v1/silences", headers=CS_QC)).json()
    assert [s["id"] for s in listed] == [own.json()["id"]]
    assert {s["id"] for s in (await client.get("/api/v1/silences", headers=ADMIN)).json()} == {
        theirs["id"], city["id"], own.json()["id"]}
    for other in (theirs, city):
        r = await client.delete(f"/api/v1/silences/{other['id']}", headers=CS_QC)
        assert r.status_code == 404 and r.json()["title"] == "未找到"
    assert await _count(client, "SELECT count(*) FROM alerts_silences WHERE deleted_at IS NULL") == 3
    assert (await client.delete(f"/api/v1/silences/{own.json()['id']}", headers=CS_QC)).status_code == 204


async def test_subscriptions_are_scoped_and_urls_are_for_admins(client: httpx.AsyncClient) -> None:
    ids = {}
    for prefix in ("QY-QC", "QY-FG", None):
        body = {"name": f"sub-{prefix}", "match": {"unit_prefix": prefix},
                "channel": {"type": "webhook", "url": "https://hooks.example.com/x?token=s3cret",
                            "secret": "0123456789abcdef0123"}}
        r = await client.post("/api/v1/subscriptions", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        ids[prefix] = r.json()["id"]
    listed = (await client.get("/api/v1/subscriptions", headers=MARKETING_QC)).json()
    assert [s["id"] for s in listed] == [ids["QY-QC"]]
    assert listed[0]["channel"]["url"] is None
    assert (await client.get(f"/api/v1/subscriptions/{ids['QY-QC']}", headers=MARKETING_QC)).status_code == 200
    for other in (ids["QY-FG"], ids[None]):
        assert (await client.get(f"/api/v1/subscriptions/{other}", headers=MARKETING_QC)).status_code == 404
        assert (await client.get(f"/api/v1/subscriptions/{other}/deliveries", headers=MARKETING_QC)
                ).status_code == 404
    admin = (await client.get("/api/v1/subscriptions", headers=ADMIN)).json()
    assert len(admin) == 3 and all(s["channel"]["url"] for s in admin)


async def test_fact_writes_name_the_row_outside_scope(client: httpx.AsyncClient) -> None:
    body = {"batch_id": "b-1", "rows": [{"unit": "QY-QC-01", "counters": {}},
                                        {"unit": "QY-FG-06", "counters": {}}]}
    r = await client.put("/api/v1/facts/2026-10/counters", json=body, headers=MARKETING_QC)
    assert r.status_code == 403, r.text
    assert r.json()["errors"] == [{"field": "body.rows[1].unit", "message": "单位 QY-FG-06 不在您的管辖范围内"}]


async def test_out_of_scope_reads_answer_404_everywhere(client: httpx.AsyncClient) -> None:
    err = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-FG-06"}, headers=ADMIN)
    assert err.status_code == 201, err.text
    station = token("station", units=("QY-QC-01",))
    for path in (f"/api/v1/errors/{err.json()['id']}", "/api/v1/scores/2026-10/QY-FG-06",
                 "/api/v1/scores/QY-FG-06/trend?from=2026-01&to=2026-10"):
        r = await client.get(path, headers=station)
        assert r.status_code == 404 and r.json()["title"] == "未找到", (path, r.text)
    # writes naming another unit: 403 naming the field (never written)
    r = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-FG-06"}, headers=station)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "body.unit"


async def test_the_sql_rule_escapes_like_wildcards_and_agrees_with_python(client: httpx.AsyncClient) -> None:
    from sqlalchemy import String, column, select, values

    from shared.auth import Principal
    from shared.scope import within

    codes = ["QY", "QY-QC", "QY-QC-01", "QY-QCX", "QYXQC-01", "QY_QC-01", "QY%-01", "QY-FG-06"]
    table = values(column("code", String), name="units").data([(c,) for c in codes])
    async with runtime_of(client).session_factory() as s:
        for prefixes in (("QY-QC",), ("QY_QC",), ("QY%",), ("QY-QC", "QY-FG"), ()):
            rows = (await s.execute(select(table.c.code).where(within(table.c.code, prefixes)))).scalars()
            caller = Principal("p", frozenset({"viewer"}), prefixes)
            expected = [c for c in codes if caller.may_see(c)] if prefixes else []
            assert sorted(rows) == sorted(expected), prefixes
