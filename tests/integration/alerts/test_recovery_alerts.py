"""Recovery-light alerts say why the light is not green (issue 10 point 2): the warning's own message and
causes, never a recovery rate that met its target; incomplete stations' scores raise nothing."""

from __future__ import annotations

import httpx

from shared.events.scoring import LightCause, PublishedUnitScore, RecoveryWarningIssued, ScoresPublished
from tests.helpers import eventually, runtime_of
from tests.integration.alerts.support import ADMIN, NOW, ORG, load_org, publish, rows

THRESHOLDS = {"recovery_rate": {"green": 0.999, "yellow": 0.995}, "arrears_progress": {"green": 1.0, "yellow": 0.9}}


async def _firing(client: httpx.AsyncClient, unit: str) -> list[dict]:
    r = await client.get("/api/v1/alerts", params={"unit": unit, "state": "firing"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return [a for a in r.json()["items"] if a["unit"] == unit]


async def test_the_alert_quotes_the_warnings_message_and_causes(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    message = "清城区供电局 2026-10 电费回收红灯：陈欠回收进度 72.0%，低于计划 100%（黄灯线 90%），差 28.0 个百分点"
    await publish(runtime, RecoveryWarningIssued(
        unit="QY-QC", period="2026-10", light="red", recovery_rate=0.9997, arrears_progress=0.72,
        thresholds=THRESHOLDS, issued_at=NOW, level="county", message=message,
        causes=[LightCause(measure="arrears_progress", value=0.72, green=1.0, yellow=0.9, grade="red")]), "QY-QC")
    [a] = await eventually(lambda: _firing(embedded, "QY-QC"))
    assert a["severity"] == "critical"
    assert a["summary"] == message  # scoring's message is the whole warning
    assert "99.97" not in a["summary"]  # the rate met its target: it is not the reason
    assert a["labels"] == {"unit": "QY-QC", "period": "2026-10", "light": "red", "level": "county",
                           "causes": "arrears_progress", "arrears_progress": "0.72"}


async def test_an_event_without_message_names_the_failing_measure_from_its_values(embedded: httpx.AsyncClient) -> None:
    """Warnings sent before scoring wrote messages: the cause comes from the values and thresholds."""
    runtime = runtime_of(embedded)
    await publish(runtime, RecoveryWarningIssued(
        unit="QY-QC-01", period="2026-10", light="yellow", recovery_rate=0.9997, arrears_progress=0.95,
        thresholds=THRESHOLDS, issued_at=NOW), "QY-QC-01")
    [a] = await eventually(lambda: _firing(embedded, "QY-QC-01"))
    assert a["severity"] == "warning"
    assert a["summary"] == ("QY-QC-01 2026-10 电费回收率黄灯：陈欠回收进度 95.00%，低于绿灯线 100.00%"
                            "（差 5.00 个百分点）")
    assert a["labels"]["causes"] == "arrears_progress" and a["labels"]["level"] == "station"

    # no thresholds either (the oldest events): today's text, the rate as given
    await publish(runtime, RecoveryWarningIssued(unit="QY-QC-02", period="2026-10", light="red", recovery_rate=0.98,
                                                 issued_at=NOW), "QY-QC-02")
    [b] = await eventually(lambda: _firing(embedded, "QY-QC-02"))
    assert b["summary"] == "QY-QC-02 2026-10 电费回收率红灯：累计回收率 98.00%" and "causes" not in b["labels"]


async def test_incomplete_stations_below_the_threshold_raise_no_alert(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    await publish(runtime, ScoresPublished(period="2026-10", revision=1, scheme="S1", ticket_threshold=80.0,
                                           published_at=NOW, units=[
        PublishedUnitScore(unit="QY-QC-01", level="station", parent="QY-QC", score=40.0, status="incomplete",
                           missing=["bills_issued"]),
        PublishedUnitScore(unit="QY-QC-02", level="station", parent="QY-QC", score=60.0, rank=1),
        PublishedUnitScore(unit="QY", level="city", score=60.0)]), "2026-10")
    [a] = await eventually(lambda: _firing(embedded, "QY-QC-02"))
    assert a["type"] == "ScoresPublished"
    await eventually(lambda: rows(runtime, "SELECT 1 FROM m2c_inbox WHERE consumer = 'm2c-alerts'"
                                           " AND event_type = 'ScoresPublished'"))
    assert await _firing(embedded, "QY-QC-01") == []
    assert await _firing(embedded, "QY") == []


async def test_a_scored_month_alerts_with_scorings_reason(embedded: httpx.AsyncClient) -> None:
    """Through the APIs: a station collecting everything it billed but behind on its old-arrears plan gets a
    red light; its alert says arrears progress is the reason, not the (green-level) recovery rate."""
    c = embedded
    await load_org(c)
    counters = {"readings_planned": 100, "readings_done": 100, "bills_issued": 100, "bills_erroneous": 0,
                "recon_due": 10, "recon_done": 10}
    r = await c.put("/api/v1/facts/2026-10/counters", headers=ADMIN, json={"batch_id": "oct", "rows": [
        {"unit": u["code"], "counters": counters} for u in ORG if u["level"] == "station"]})
    assert r.status_code == 200, r.text
    r = await c.put("/api/v1/recovery/tasks/2026", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "arrears_carried_over": "2000000", "annual_target": "1200000"}]})
    assert r.status_code == 200, r.text
    r = await c.put("/api/v1/recovery/2026-10/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "receivable": "1000000", "collected": "1000000", "arrears_recovered": "10000"}]})
    assert r.status_code == 200, r.text
    r = await c.post("/api/v1/periods/2026-10/score", params={"allow_incomplete": "true"}, headers=ADMIN)
    assert r.status_code == 201, r.text

    [a] = await eventually(lambda: _firing(c, "QY-QC-01"))
    warnings = await rows(runtime_of(c), "SELECT payload FROM m2c_outbox WHERE event_type = "
                                               "'RecoveryWarningIssued' AND payload->>'subject' = 'QY-QC-01'")
    [warning] = [w["payload"]["data"] for w in warnings]
    assert a["severity"] == "critical" and warning["message"] and a["summary"] == warning["message"]
    assert "陈欠回收进度" in a["summary"] and "100.00%" not in a["summary"]
    assert a["labels"]["causes"] == "arrears_progress" and "recovery_rate" not in a["labels"]
    # units without recovery facts got no warning and no alert
    assert await _firing(c, "QY-YD-01") == [] and len(warnings) == 1
