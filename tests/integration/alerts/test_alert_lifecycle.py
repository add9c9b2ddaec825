"""Alerts from real events on the embedded app: dedup, resolve, ack, history, DLQ."""

from __future__ import annotations

import json
import uuid

import httpx

from shared.events.scoring import RecoveryWarningIssued
from shared.messaging.message import OutboundMessage
from shared.transport import InProcessTransport
from tests.helpers import eventually, json_of, runtime_of
from tests.integration.alerts.support import ADMIN, NOW, escalated, publish, rows


async def _alerts(client: httpx.AsyncClient, **params) -> list[dict]:
    r = await client.get("/api/v1/alerts", params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    # An app started from 1 Nov without next year's calendar also raises the ops alert CalendarYearMissing.
    return [a for a in r.json()["items"] if a["type"] != "CalendarYearMissing"]


def _light(unit: str, light: str) -> RecoveryWarningIssued:
    return RecoveryWarningIssued(unit=unit, period="2026-10", light=light, recovery_rate=0.99, issued_at=NOW)


async def test_same_fingerprint_updates_one_alert_with_full_history(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    ticket = uuid.uuid4()
    await publish(runtime, escalated(ticket, level=1), "QY-QC-01")
    [a] = await eventually(lambda: _alerts(embedded, unit="QY-QC-01"))
    assert a["severity"] == "warning" and a["count"] == 1 and a["type"] == "TicketEscalated"

    await publish(runtime, escalated(ticket, level=2), "QY-QC-01")
    await publish(runtime, escalated(ticket, level=3), "QY-QC-01")

    async def counted():
        items = await _alerts(embedded, unit="QY-QC-01")
        return items if items and items[0]["count"] == 3 else None

    [a] = await eventually(counted)
    # issue 16: one alert per ticket; its climb is the escalation policy's, not a severity per audit level
    assert a["severity"] == "warning" and a["state"] == "firing" and len(a["source_event_ids"]) == 3
    assert a["labels"]["level"] == "3"

    detail = (await embedded.get(f"/api/v1/alerts/{a['id']}", headers=ADMIN)).json()
    assert [h["change"] for h in detail["history"]] == ["raised", "updated", "updated"]
    assert "severity" not in detail["history"][1]["changes"]
    assert [h["event_id"] for h in detail["history"]] == a["source_event_ids"]

    events = await rows(runtime, "SELECT event_type FROM m2c_outbox WHERE topic = 'm2c.alerts.v1' "
                        "AND key IS DISTINCT FROM 'M2C' ORDER BY id")
    assert [e["event_type"] for e in events] == ["AlertRaised", "AlertUpdated", "AlertUpdated"]


async def test_green_resolves_and_red_fires_again(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    await publish(runtime, _light("QY-LS-02", "red"), "QY-LS-02")
    [a] = await eventually(lambda: _alerts(embedded, unit="QY-LS-02", state="firing"))
    assert a["severity"] == "critical"

    await publish(runtime, _light("QY-LS-02", "green"), "QY-LS-02")
    [r] = await eventually(lambda: _alerts(embedded, unit="QY-LS-02", state="resolved"))
    assert r["id"] == a["id"] and r["resolved_at"]

    await publish(runtime, _light("QY-LS-02", "yellow"), "QY-LS-02")
    [f] = await eventually(lambda: _alerts(embedded, unit="QY-LS-02", state="firing"))
    assert f["id"] == a["id"] and f["severity"] == "warning" and f["count"] == 2
    types = await rows(runtime, "SELECT event_type FROM m2c_outbox WHERE topic = 'm2c.alerts.v1' "
                        "AND key IS DISTINCT FROM 'M2C' ORDER BY id")
    assert [t["event_type"] for t in types] == ["AlertRaised", "AlertResolved", "AlertRaised"]

    # green for a unit with no alert changes nothing
    await publish(runtime, _light("QY-LS-09", "green"), "QY-LS-09")
    await eventually(lambda: rows(runtime, "SELECT 1 FROM m2c_inbox WHERE consumer = 'm2c-alerts' "
                                           "AND event_type = 'RecoveryWarningIssued' OFFSET 3"))
    assert await _alerts(embedded, unit="QY-LS-09") == []


async def test_ack_is_recorded_and_scoped(embedded: httpx.AsyncClient) -> None:
    from shared.testing.plugin import token
    runtime = runtime_of(embedded)
    await publish(runtime, escalated(uuid.uuid4(), unit="QY-YD-03"), "QY-YD-03")
    [a] = await eventually(lambda: _alerts(embedded, unit="QY-YD-03"))

    other = await embedded.post(f"/api/v1/alerts/{a['id']}/ack", headers=token("station", units=("QY-QC-01",)))
    assert other.status_code == 404  # issue 11: out of scope reads as absent
    r = await embedded.post(f"/api/v1/alerts/{a['id']}/ack", headers=token("station", units=("QY-YD",),
                                                                            subject="zhang"))
    assert r.status_code == 200 and r.json()["state"] == "acknowledged" and r.json()["acked_by"] == "zhang"
    detail = (await embedded.get(f"/api/v1/alerts/{a['id']}", headers=ADMIN)).json()
    assert detail["history"][-1]["change"] == "acked" and detail["history"][-1]["actor"] == "zhang"
    missing = await embedded.post(f"/api/v1/alerts/{uuid.uuid4()}/ack", headers=ADMIN)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_a_resolved_alert_cannot_be_acknowledged(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    await publish(runtime, _light("QY-LS-04", "red"), "QY-LS-04")
    await eventually(lambda: _alerts(embedded, unit="QY-LS-04", state="firing"))
    await publish(runtime, _light("QY-LS-04", "green"), "QY-LS-04")
    [r] = await eventually(lambda: _alerts(embedded, unit="QY-LS-04", state="resolved"))

    refused = await embedded.post(f"/api/v1/alerts/{r['id']}/ack", headers=ADMIN)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "已解除的告警不能确认"
    detail = (await embedded.get(f"/api/v1/alerts/{r['id']}", headers=ADMIN)).json()
    assert detail["state"] == "resolved" and detail["acked_by"] is None
    assert [h["change"] for h in detail["history"]] == ["raised", "resolved"]  # the refusal left nothing


async def test_graded_errors_alert_only_when_grave(embedded: httpx.AsyncClient) -> None:
    from datetime import datetime
    from decimal import Decimal

    from shared.events.audit import ErrorReported
    runtime = runtime_of(embedded)
    ids = {}
    for level in ("accountability", "notice", None):
        ids[level] = uuid.uuid4()
        await publish(runtime, ErrorReported(
            error_id=ids[level], unit="QY-QC-07", period="2026-10", category="tariff", nature="fraud",
            amount=Decimal("120000"), description="x", reporter="t", reported_at=datetime.now(NOW.tzinfo),
            level=level), "QY-QC-07")
    await eventually(lambda: rows(runtime, "SELECT 1 FROM m2c_inbox WHERE consumer = 'm2c-alerts' "
                                           "AND event_type = 'ErrorReported' OFFSET 2"))
    found = {a["fingerprint"].rsplit(":", 1)[1]: a["severity"] for a in await _alerts(embedded, unit="QY-QC-07")}
    assert found == {str(ids["accountability"]): "critical", str(ids[None]): "warning"}


async def test_poison_event_goes_to_the_dlq_and_alerts_go_on(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    assert isinstance(runtime.transport, InProcessTransport)  # the embedded app's in-process broker
    bad = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "m2c/audit-link", "type": "TicketEscalated",
           "subject": "QY-QC-01", "time": NOW.isoformat(), "schemaversion": 1,
           "data": {"ticket_id": str(uuid.uuid4()), "unit": "QY-QC-01", "state": "issued", "level": 0,
                    "due_at": NOW.isoformat(), "escalated_at": NOW.isoformat()}}
    await runtime.transport.broker.publish([OutboundMessage("m2c.audit.v1", "QY-QC-01", json.dumps(bad).encode())])
    await publish(runtime, escalated(uuid.uuid4(), unit="QY-QC-05"), "QY-QC-05")
    await eventually(lambda: _alerts(embedded, unit="QY-QC-05"))
    dead = [json_of(m) for m in runtime.transport.broker.messages("m2c.dlq.v1")]
    mine = [d for d in dead if d["consumer_group"] == "m2c-alerts"]
    assert len(mine) == 1 and mine[0]["error"].startswith("TicketEscalated payload invalid")
    assert await _alerts(embedded, unit="QY-QC-01") == []
