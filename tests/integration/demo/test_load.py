"""The demo loaded into the embedded app: what a newcomer sees, asserted through the API."""

from __future__ import annotations

from collections import Counter

from services.demo.loader import demo_is_loaded
from services.demo.plan import make_plan
from services.demo.raw_records import RAW_COUNTERS
from shared.testing.plugin import JWT_SECRET, token
from tests.helpers import eventually
from tests.integration.demo.conftest import SMALL

ADMIN = token("admin")


async def _all(client, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        r = await client.get(path, headers=ADMIN, params=page)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if not (cursor := r.json().get("next_cursor")):
            return items


async def test_the_demo_is_a_living_bureau(demo) -> None:
    client, summary = demo
    assert await demo_is_loaded(client, secret=JWT_SECRET)

    units = (await client.get("/api/v1/org-units", headers=ADMIN)).json()["items"]
    levels = Counter(u["level"] for u in units)
    assert levels == {"city": 1, "county": 8, "station": summary.stations}
    assert {u["area_type"] for u in units if u["level"] == "station"} == {"urban", "rural"}

    periods = summary.periods
    assert len(periods) == 12 and periods[-1] == "2026-10"
    for period in periods:
        body = (await client.get("/api/v1/scores", headers=ADMIN, params={"period": period, "level": "station"})).json()
        assert len(body["items"]) == summary.stations and all(i["rank"] for i in body["items"])
    revisions = (await client.get(f"/api/v1/periods/{periods[-1]}/revisions", headers=ADMIN)).json()["items"]
    assert len(revisions) == 2
    last = (await client.get("/api/v1/scores", headers=ADMIN,
                             params={"period": periods[-1], "level": "station"})).json()
    scores = sorted(i["score"] for i in last["items"])
    assert scores[0] < 80 < scores[-1]

    lights = (await client.get("/api/v1/recovery/lights", headers=ADMIN, params={"period": periods[-1]})).json()
    assert {i["light"] for i in lights["items"]} == {"green", "yellow", "red"}

    tickets = await _all(client, "/api/v1/tickets")
    assert {t["state"] for t in tickets} == {"issued", "coordinated", "received", "investigating", "reported",
                                              "closed"}
    overdue = await _all(client, "/api/v1/tickets", overdue="true")
    assert overdue and any(t["escalation_level"] >= 2 for t in overdue)

    errors = await _all(client, "/api/v1/errors")
    assert {e["category"] for e in errors} == {"reading", "tariff", "billing_parameter", "collection", "other"}
    assert {e["nature"] for e in errors} == {"clerical", "negligence", "violation", "fraud"}
    assert "accountability" in {e["level"] for e in errors}
    assert {"reported", "closed"} <= {e["state"] for e in errors}

    alerts = await _all(client, "/api/v1/alerts")
    assert {"firing", "acknowledged"} <= {a["state"] for a in alerts}
    assert {"RecoveryWarningIssued", "TicketEscalated", "ErrorReported"} <= {a["type"] for a in alerts}
    assert len((await client.get("/api/v1/silences", headers=ADMIN)).json()) == 2
    # issue 16: escalation policies in use, and the severity rules' split of per-customer arrears risks
    policies = (await client.get("/api/v1/escalation-policies", headers=ADMIN)).json()
    assert {p["name"] for p in policies} == {"稽核工作传单超期升级（默认）", "差错问责升级", "回收率红灯升级"}

    async def risk_split() -> Counter | None:  # the risks of the credit recompute are consumed by now or soon
        got = Counter(a["severity"] for a in await _all(client, "/api/v1/alerts", type="ArrearsRiskDetected"))
        return got if got["critical"] and got["warning"] else None
    risks = await eventually(risk_split, timeout_s=60)
    assert risks["critical"] < risks["warning"], risks
    rules = (await client.get("/api/v1/alerts/severity-rules", headers=ADMIN)).json()["rules"]
    assert [r["name"] for r in rules][-2:] == ["欠费满三个月", "一般欠费风险"]
    subs = (await client.get("/api/v1/subscriptions", headers=ADMIN)).json()
    assert {s["channel"]["type"] for s in (subs["items"] if isinstance(subs, dict) else subs)} == {"webhook", "kafka"}

    risks = (await client.get("/api/v1/credit/risks", headers=ADMIN)).json()["items"]
    assert risks and {r["grade"] for r in risks} <= {"B", "C"}
    customer = (await client.get("/api/v1/credit/customers/0300000001", headers=ADMIN)).json()
    assert customer["grade"] in {"AAA", "AA", "A", "B", "C"}
    compliance = (await client.get("/api/v1/channels/compliance", headers=ADMIN)).json()
    assert compliance["total"] == summary.stations and 0 < compliance["compliant"] < compliance["total"]
    assert summary.customers == SMALL["customers"]


async def test_raw_files_aggregate_to_the_planned_counters(demo) -> None:
    """The last month went in as raw records: m2c's own aggregation gives back the generator's counters."""
    client, summary = demo
    plan = make_plan(SMALL["seed"], customers=SMALL["customers"], size=SMALL["size"], today=SMALL["today"])
    body = (await client.get(f"/api/v1/facts/{summary.periods[-1]}/counters", headers=ADMIN)).json()
    got = {i["unit"]: i["counters"] for i in body["items"]}
    late_unit = sorted(plan.monthly[-1])[0]  # got one late receivable roll-back on top of its raw ledger
    for unit, planned in plan.monthly[-1].items():
        for name in RAW_COUNTERS:
            assert got[unit].get(name, 0) == planned[name] + (name == "receivable_rollbacks" and unit == late_unit), (
                unit, name)
