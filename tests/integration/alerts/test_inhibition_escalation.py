"""Issue 16: inhibited alerts are recorded but not sent; an escalation climbs two levels over working
hours that span a holiday, and acknowledging stops the climb; rule documents are editable."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from shared.clock import ManualClock
from shared.embedded_pg import free_port
from shared.events.alerts import ArrearsRiskDetected
from shared.events.scoring import RecoveryWarningIssued
from shared.settings import Settings
from tests.helpers import embedded_client, eventually, runtime_of
from tests.integration.alerts.receiver import Receiver
from tests.integration.alerts.support import ADMIN, escalated, load_org, publish, rows

SECRET = "s3cret-for-the-inhibition-receiver"
SH = ZoneInfo("Asia/Shanghai")


def _true(condition):
    async def probe():
        return condition() or None
    return probe


def _risk(customer: str, unit: str, at: datetime) -> ArrearsRiskDetected:
    return ArrearsRiskDetected(customer_no=customer, unit=unit, grade="B", score=55.0, arrears=Decimal("945"),
                               months_overdue=2, measures=["缩短抄表周期"], detected_at=at)


def _light(unit: str, light: str, at: datetime) -> RecoveryWarningIssued:
    return RecoveryWarningIssued(unit=unit, period="2026-10", light=light, recovery_rate=0.99, issued_at=at)


async def _inbox(runtime, n: int) -> None:
    await eventually(lambda: rows(runtime, f"SELECT 1 FROM m2c_inbox WHERE consumer = 'm2c-alerts' OFFSET {n - 1}"))


async def test_a_red_light_inhibits_its_stations_risk_warnings_recorded_not_sent(settings: Settings) -> None:
    clock = ManualClock(datetime(2026, 10, 20, 2, 0, tzinfo=ZoneInfo("UTC")))  # before 1 Nov (no ops alert)
    receiver = Receiver(SECRET, free_port(), clock=lambda: clock.now().timestamp())
    await receiver.start()
    try:
        async with embedded_client(settings, clock=clock) as client:
            await load_org(client)
            runtime = client.app.state.runtime
            rules = (await client.get("/api/v1/alerts/inhibition-rules", headers=ADMIN)).json()
            assert rules["version"] == 1 and rules["rules"][0]["equal"] == ["unit"]
            r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": "营销系统", "match": {"types": ["ArrearsRiskDetected"]}, "group_wait_s": 10,
                "group_interval_s": 60, "channel": {"type": "webhook", "url": receiver.url, "secret": SECRET}})
            assert r.status_code == 201, r.text

            await publish(runtime, _light("QY-QC-01", "red", clock.now()), "QY-QC-01")
            await _inbox(runtime, 1)
            for i in range(3):
                await publish(runtime, _risk(f"A{i}", "QY-QC-01", clock.now()), "QY-QC-01")  # inhibited
                await publish(runtime, _risk(f"B{i}", "QY-QC-02", clock.now()), "QY-QC-02")  # not
            await _inbox(runtime, 7)
            clock.advance(seconds=11)
            await eventually(_true(lambda: len(receiver.received) >= 1))
            await asyncio.sleep(0.6)
            assert [b["group"]["labels"]["unit"] for b in receiver.received] == ["QY-QC-02"]
            assert receiver.received[0]["group"]["count"] == 3

            held = (await client.get("/api/v1/alerts", params={"unit": "QY-QC-01", "type": "ArrearsRiskDetected"},
                                     headers=ADMIN)).json()["items"]
            assert len(held) == 3 and {a["status"] for a in held} == {"suppressed"}
            assert {a["inhibited_by"] for a in held} == {"RecoveryWarningIssued:QY-QC-01:recovery"}
            assert {a["state"] for a in held} == {"firing"}  # recorded as firing, not sent
            hist = await rows(runtime, "SELECT h.inhibited FROM alerts_history h JOIN alerts_alerts a "
                                       "ON a.id = h.alert_id WHERE a.unit = 'QY-QC-01' "
                                       "AND a.type = 'ArrearsRiskDetected'")
            assert [h["inhibited"] for h in hist] == [True, True, True]
            summary = (await client.get("/api/v1/alerts/summary", headers=ADMIN)).json()
            assert summary["firing"]["by_type"] == {"ArrearsRiskDetected": 3, "RecoveryWarningIssued": 1}
            assert summary["suppressed"]["total"] == 3
            firing = (await client.get("/api/v1/alerts?state=firing&type=ArrearsRiskDetected",
                                       headers=ADMIN)).json()["items"]
            assert {a["unit"] for a in firing} == {"QY-QC-02"}

            # the light turns green: the warnings are let go (history says so) and now reach the subscriber
            await publish(runtime, _light("QY-QC-01", "green", clock.now()), "QY-QC-01")
            await _inbox(runtime, 8)
            hist = await rows(runtime, "SELECT h.change FROM alerts_history h JOIN alerts_alerts a "
                                       "ON a.id = h.alert_id WHERE a.unit = 'QY-QC-01' ORDER BY h.id")
            assert [h["change"] for h in hist].count("uninhibited") == 3
            clock.advance(seconds=61)
            await eventually(_true(lambda: len(receiver.received) >= 2))
            assert receiver.received[1]["group"]["labels"]["unit"] == "QY-QC-01"
            assert receiver.received[1]["group"]["count"] == 3
    finally:
        await receiver.stop()


async def test_escalation_climbs_two_levels_over_working_hours_across_national_day(settings: Settings) -> None:
    # Tuesday 30 Sep 2025, 15:00 in Shanghai; 1–8 Oct are the National Day holidays
    fired = datetime(2025, 9, 30, 15, 0, tzinfo=SH)
    clock = ManualClock(fired)
    async with embedded_client(settings, clock=clock) as client:
        await load_org(client)
        runtime = client.app.state.runtime
        subs = []
        for name in ("值班员", "营销部主任"):
            r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": name, "match": {"types": ["ScoresPublished"]},  # hears of these alerts only by escalation
                "channel": {"type": "webhook", "url": "http://127.0.0.1:9/none", "secret": SECRET}})
            assert r.status_code == 201, r.text
            subs.append(r.json()["id"])
        [default] = (await client.get("/api/v1/escalation-policies", headers=ADMIN)).json()  # migration 0017
        assert default["fallback"] is True and default["types"] == ["TicketEscalated"]
        bad = await client.post("/api/v1/escalation-policies", headers=ADMIN, json={
            "name": "x", "levels": [{"after_working_hours": 4, "subscription_ids": [str(uuid.uuid4())]}]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.levels.0.subscription_ids.0"
        r = await client.post("/api/v1/escalation-policies", headers=ADMIN, json={
            "name": "传单超期升级", "types": ["TicketEscalated"], "repeat_cap": 1, "levels": [
                {"after_working_hours": 4, "subscription_ids": [subs[0]]},
                {"after_working_hours": 8, "subscription_ids": [subs[1]]}]})
        assert r.status_code == 201, r.text
        assert {p["name"] for p in (await client.get("/api/v1/escalation-policies", headers=ADMIN)).json()} == {
            "稽核工作传单超期升级（默认）", "传单超期升级"}

        climbing, acked = uuid.uuid4(), uuid.uuid4()
        await publish(runtime, escalated(climbing, unit="QY-QC-01"), "QY-QC-01")
        await publish(runtime, escalated(acked, unit="QY-QC-02"), "QY-QC-02")
        climbs = await eventually(lambda: rows(runtime, "SELECT policy_id::text AS p FROM alerts_escalations "
                                                        "OFFSET 1"))
        assert {c["p"] for c in climbs} == {r.json()["id"]}  # an own ticket policy replaces the fallback one

        async def escalations() -> list[dict]:
            return await rows(runtime, "SELECT d.subscription_id::text AS sub, a.unit, d.body::jsonb #> "
                                       "'{escalation,level}' AS level FROM alerts_deliveries d "
                                       "JOIN alerts_alerts a ON a.id = d.alert_id WHERE d.change = 'escalated' "
                                       "ORDER BY d.seq")

        # 2 working hours on 30 Sep (15:00–17:00), then the holiday: level 1 is due 9 Oct 11:00
        for moment in (datetime(2025, 10, 1, 12, 0, tzinfo=SH), datetime(2025, 10, 9, 10, 59, tzinfo=SH)):
            clock.set(moment)
            await asyncio.sleep(0.6)
            assert await escalations() == []
        clock.set(datetime(2025, 10, 9, 11, 1, tzinfo=SH))
        first = await eventually(lambda: _at_least(escalations, 2))
        assert sorted((e["unit"], e["sub"], e["level"]) for e in first) == [
            ("QY-QC-01", subs[0], 1), ("QY-QC-02", subs[0], 1)]

        [a] = (await client.get("/api/v1/alerts?unit=QY-QC-02", headers=ADMIN)).json()["items"]
        assert (await client.post(f"/api/v1/alerts/{a['id']}/ack", headers=ADMIN)).status_code == 200

        # level 2: 8 working hours after 9 Oct 11:00 → 6 h that day + 2 h on Friday 10 Oct → 11:00
        # audit_link's next overdue level is recorded on the one alert, not sent as a new notification
        await publish(runtime, escalated(climbing, unit="QY-QC-01", level=2), "QY-QC-01")
        await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_alerts WHERE count = 2"))
        clock.set(datetime(2025, 10, 10, 10, 59, tzinfo=SH))
        await asyncio.sleep(0.6)
        assert len(await escalations()) == 2
        [one] = (await client.get("/api/v1/alerts?unit=QY-QC-01", headers=ADMIN)).json()["items"]
        assert (one["severity"], one["labels"]["level"], one["count"]) == ("warning", "2", 2)
        clock.set(datetime(2025, 10, 10, 11, 1, tzinfo=SH))
        both = await eventually(lambda: _at_least(escalations, 3))
        assert (both[2]["unit"], both[2]["sub"], both[2]["level"]) == ("QY-QC-01", subs[1], 2)
        clock.advance(days=30)
        await asyncio.sleep(0.6)
        assert len(await escalations()) == 3  # acknowledged: stopped; the other: repeat cap reached
        state = {r["unit"]: r for r in await rows(
            runtime, "SELECT a.unit, e.level, e.stop_reason FROM alerts_escalations e "
                     "JOIN alerts_alerts a ON a.id = e.alert_id")}
        assert state["QY-QC-02"]["stop_reason"] == "acked" and state["QY-QC-02"]["level"] == 1
        assert state["QY-QC-01"]["stop_reason"] == "exhausted"
        detail = (await client.get(f"/api/v1/alerts/{a['id']}", headers=ADMIN)).json()
        assert [h["change"] for h in detail["history"]] == ["raised", "escalated", "acked"]
        assert detail["status"] == "acknowledged"

        # the delivery log pages by cursor, each page with its own deliveries' attempts
        log = f"/api/v1/subscriptions/{subs[0]}/deliveries"
        page1 = (await client.get(log, params={"limit": 1}, headers=ADMIN)).json()
        page2 = (await client.get(log, params={"limit": 1, "cursor": page1["next_cursor"]}, headers=ADMIN)).json()
        assert page2["next_cursor"] is None
        ids = [d["id"] for d in page1["deliveries"] + page2["deliveries"]]
        assert len(set(ids)) == 2 and {d["change"] for d in page1["deliveries"] + page2["deliveries"]} == {"escalated"}
        assert {t["delivery_id"] for t in page1["attempts"]} <= {page1["deliveries"][0]["id"]}


async def _at_least(probe, n: int):
    got = await probe()
    return got if len(got) >= n else None


async def test_severity_rules_are_editable_and_checked(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    current = (await embedded.get("/api/v1/alerts/severity-rules", headers=ADMIN)).json()
    assert [r["severity"] for r in current["rules"]] == ["critical", "critical", "warning"]
    bad = await embedded.put("/api/v1/alerts/severity-rules", headers=ADMIN, json={"rules": [
        {"name": "x", "type": "ArrearsRiskDetected", "conditions": [{"label": "arrears", "op": ">=", "value": "lots"}],
         "severity": "critical"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.rules.0.conditions.0.value"
    forbidden = await embedded.put("/api/v1/alerts/severity-rules", headers={}, json={"rules": []})
    assert forbidden.status_code == 401
    r = await embedded.put("/api/v1/alerts/severity-rules", headers=ADMIN, json={"rules": [
        {"name": "万元以上", "type": "ArrearsRiskDetected", "conditions": [{"label": "arrears", "op": ">=",
                                                                          "value": 10000}], "severity": "critical"},
        {"name": "其余", "type": "ArrearsRiskDetected", "severity": "info"}]})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    now = datetime.now(ZoneInfo("UTC"))
    await publish(runtime, _risk("S1", "QY-QC-03", now).model_copy(update={"arrears": Decimal("12000")}), "QY-QC-03")
    await publish(runtime, _risk("S2", "QY-QC-03", now), "QY-QC-03")

    async def two():
        items = (await embedded.get("/api/v1/alerts?unit=QY-QC-03", headers=ADMIN)).json()["items"]
        return items if len(items) == 2 else None
    got = {a["labels"]["customer_no"]: a["severity"] for a in await eventually(two)}
    assert got == {"S1": "critical", "S2": "info"}
    page1 = (await embedded.get("/api/v1/alerts?unit=QY-QC&limit=1", headers=ADMIN)).json()
    page2 = (await embedded.get(f"/api/v1/alerts?unit=QY-QC&limit=1&cursor={page1['next_cursor']}",
                                headers=ADMIN)).json()
    assert [a["labels"]["customer_no"] for a in page1["items"] + page2["items"]] == ["S2", "S1"]
    assert page2["next_cursor"] is None
    assert (await embedded.get("/api/v1/alerts?label=oops", headers=ADMIN)).status_code == 422


async def test_a_subscription_can_name_the_policy_its_alerts_climb(embedded: httpx.AsyncClient) -> None:
    from shared.events.audit import ErrorReported
    runtime = runtime_of(embedded)
    await load_org(embedded)
    hook = {"type": "webhook", "url": "http://127.0.0.1:9/none", "secret": SECRET}
    duty = (await embedded.post("/api/v1/subscriptions", headers=ADMIN, json={
        "name": "值班员", "match": {"types": ["ScoresPublished"]}, "channel": hook})).json()
    policy = (await embedded.post("/api/v1/escalation-policies", headers=ADMIN, json={
        "name": "差错问责升级", "levels": [{"after_working_hours": 2, "subscription_ids": [duty["id"]]}]})).json()
    missing = await embedded.post("/api/v1/subscriptions", headers=ADMIN, json={
        "name": "x", "channel": hook, "escalation_policy_id": str(uuid.uuid4())})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.escalation_policy_id"
    r = await embedded.post("/api/v1/subscriptions", headers=ADMIN, json={
        "name": "稽核中心", "match": {"types": ["ErrorReported"]}, "channel": hook,
        "escalation_policy_id": policy["id"]})
    assert r.status_code == 201 and r.json()["escalation_policy_id"] == policy["id"], r.text
    await publish(runtime, ErrorReported(
        error_id=uuid.uuid4(), unit="QY-QC-07", period="2026-10", category="tariff", nature="fraud",
        amount=Decimal("120000"), description="x", reporter="t", reported_at=datetime.now(ZoneInfo("UTC")),
        level="accountability"), "QY-QC-07")
    [row] = await eventually(lambda: rows(runtime, "SELECT e.policy_id::text AS policy, a.type FROM "
                                                   "alerts_escalations e JOIN alerts_alerts a ON a.id = e.alert_id"))
    assert row == {"policy": policy["id"], "type": "ErrorReported"}


async def test_default_ticket_policy_climbs_to_the_county_then_the_city_across_national_day(
        settings: Settings) -> None:
    """No policy of one's own: a ticket's alert climbs the default ticket policy (migration 0017): 8
    working hours unacknowledged → the subscriptions scoped to the station's county, 8 more → the
    city's (here a Kafka subscription: an AlertGroupNotified `escalated`). audit_link's daily levels
    are recorded on the one alert without a notification each."""
    fired = datetime(2025, 9, 30, 15, 0, tzinfo=SH)  # Tuesday; 1–8 Oct are the National Day holidays
    clock = ManualClock(fired)
    async with embedded_client(settings, clock=clock) as client:
        await load_org(client)
        runtime = client.app.state.runtime
        hook = {"type": "webhook", "url": "http://127.0.0.1:9/none", "secret": SECRET}

        async def subscribe(name: str, prefix: str, channel: dict, types: list[str]) -> str:
            r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": name, "channel": channel,
                # min_severity critical: they never hear of the warning by grouping, only by escalation
                "match": {"types": types, "min_severity": "critical", "unit_prefix": prefix}})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        county = await subscribe("清城区局营销部", "QY-QC", hook, ["TicketEscalated"])
        await subscribe("清城区局调度", "QY-QC", hook, ["RecoveryWarningIssued"])  # not about tickets
        await subscribe("英德市局", "QY-YD", hook, [])  # another county
        city = await subscribe("市局数据总线", "QY", {"type": "kafka"}, [])

        ticket = uuid.uuid4()
        await publish(runtime, escalated(ticket, unit="QY-QC-01"), "QY-QC-01")
        [row] = await eventually(lambda: rows(runtime, "SELECT p.name, e.next_at FROM alerts_escalations e "
                                                       "JOIN alerts_escalation_policies p ON p.id = e.policy_id"))
        # 2 working hours on 30 Sep (15:00–17:00), then the holiday, then 6 h on Thursday 9 Oct
        assert row["name"] == "稽核工作传单超期升级（默认）"
        assert row["next_at"] == datetime(2025, 10, 9, 15, 0, tzinfo=SH)

        async def told() -> list[dict]:
            hooks = await rows(runtime, "SELECT subscription_id::text AS sub, body::jsonb #> '{escalation,level}' "
                                        "AS level FROM alerts_deliveries WHERE change = 'escalated' ORDER BY seq")
            bus = await rows(runtime, "SELECT key AS sub, payload #> '{data,escalation,level}' AS level "
                                      "FROM m2c_outbox WHERE event_type = 'AlertGroupNotified' ORDER BY id")
            return hooks + bus

        clock.set(datetime(2025, 10, 9, 14, 59, tzinfo=SH))
        await asyncio.sleep(0.6)
        assert await told() == []
        clock.set(datetime(2025, 10, 9, 15, 1, tzinfo=SH))
        assert await eventually(lambda: _at_least(told, 1)) == [{"sub": county, "level": 1}]

        # audit_link escalates the ticket to its level 2 (a working day overdue): recorded, not re-sent
        await publish(runtime, escalated(ticket, unit="QY-QC-01", level=2), "QY-QC-01")
        await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_alerts WHERE count = 2"))
        # level 2: 8 working hours after 9 Oct 15:00 → 2 h that day + 6 h on Friday 10 Oct → 15:00
        clock.set(datetime(2025, 10, 10, 14, 59, tzinfo=SH))
        await asyncio.sleep(0.6)
        assert len(await told()) == 1
        clock.set(datetime(2025, 10, 10, 15, 1, tzinfo=SH))
        got = await eventually(lambda: _at_least(told, 2))
        assert got == [{"sub": county, "level": 1}, {"sub": city, "level": 2}]
        [bus] = await rows(runtime, "SELECT payload -> 'data' AS d FROM m2c_outbox "
                                    "WHERE event_type = 'AlertGroupNotified'")
        assert bus["d"]["change"] == "escalated" and bus["d"]["alerts"][0]["labels"]["ticket_id"] == str(ticket)
        assert bus["d"]["escalation"]["policy_name"] == "稽核工作传单超期升级（默认）"

        clock.advance(days=30)
        await asyncio.sleep(0.6)
        assert len(await told()) == 2  # repeat cap 1: the climb is over
        [state] = await rows(runtime, "SELECT level, stop_reason FROM alerts_escalations")
        assert state == {"level": 2, "stop_reason": "exhausted"}
        [a] = (await client.get("/api/v1/alerts?type=TicketEscalated", headers=ADMIN)).json()["items"]
        assert (a["severity"], a["count"]) == ("warning", 2)
        detail = (await client.get(f"/api/v1/alerts/{a['id']}", headers=ADMIN)).json()
        assert [h["change"] for h in detail["history"]] == ["raised", "escalated", "updated", "escalated"]
        assert await rows(runtime, "SELECT 1 FROM alerts_deliveries WHERE change <> 'escalated'") == []
