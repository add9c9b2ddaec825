"""Subscriptions and webhook delivery to an independent receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.embedded import build_app
from shared.clock import ManualClock
from shared.embedded_pg import free_port
from shared.settings import Settings
from tests.helpers import EmbeddedClient, eventually, runtime_of
from tests.integration.alerts.receiver import Receiver
from tests.integration.alerts.support import ADMIN, escalated, load_org, publish, rows

SECRET = "s3cret-for-the-test-receiver"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_ALERTS_RETRY_BASE_S", "0.1")
    monkeypatch.setenv("M2C_ALERTS_RETRY_CAP_S", "0.4")
    monkeypatch.setenv("M2C_ALERTS_POLL_S", "0.05")


def _true(condition):
    async def probe():
        return condition()
    return probe


@asynccontextmanager
async def _app(settings: Settings, clock=None) -> AsyncIterator[EmbeddedClient]:
    app = build_app(settings, clock=clock)
    async with app.router.lifespan_context(app), EmbeddedClient(app, timeout_s=5.0) as client:
        await load_org(client)  # subscriptions name a unit subtree that exists
        yield client


async def _subscribe(client: httpx.AsyncClient, url: str, **extra) -> dict:
    """These tests are about delivery itself: one group per alert (group_by "...") sent at once."""
    body = {"name": "sms-gateway", "match": {"types": ["TicketEscalated"], "min_severity": "warning",
                                             "unit_prefix": "QY"},
            "channel": {"type": "webhook", "url": url, "secret": SECRET}, "group_by": ["..."], "group_wait_s": 0,
            **extra}
    r = await client.post("/api/v1/subscriptions", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    return r.json()


async def test_receiver_down_then_up_gets_every_alert_once_and_signed(settings: Settings) -> None:
    receiver = Receiver(SECRET, free_port())
    async with _app(settings) as client:
        runtime = runtime_of(client)
        sub = await _subscribe(client, receiver.url)
        assert "secret" not in str(sub)
        tickets = [uuid.uuid4() for _ in range(3)]
        for t in tickets:
            await publish(runtime, escalated(t, unit="QY-QC-02"), "QY-QC-02")
        # the receiver is down: attempts fail and are logged, nothing is lost
        await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_delivery_attempts WHERE error IS NOT NULL "
                                               "OFFSET 5"))
        await receiver.start()
        try:
            await eventually(_true(lambda: len(receiver.received) >= 3))
            await asyncio.sleep(1.0)  # would a retry send anything twice?
        finally:
            await receiver.stop()
        assert receiver.bad_signatures == 0
        assert len(receiver.delivery_ids) == len(set(receiver.delivery_ids)) == 3
        assert {b["alerts"][0]["labels"]["ticket_id"] for b in receiver.received} == {str(t) for t in tickets}
        assert {b["delivery_id"] for b in receiver.received} == set(receiver.delivery_ids)
        # webhook bodies keep the API's one time convention (+08:00, never Z/+00:00)
        assert {a[k][-6:] for b in receiver.received for a in b["alerts"] for k in ("first_seen", "last_seen")} == {
            "+08:00"}

        log = (await client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=ADMIN)).json()
        assert {d["state"] for d in log["deliveries"]} == {"delivered"}
        assert any(a["error"] for a in log["attempts"]) and any(a["status_code"] == 200 for a in log["attempts"])
        attempts = [d["attempts"] for d in log["deliveries"]]
        assert all(n >= 2 for n in attempts)


async def test_wrong_secret_is_rejected_by_the_receiver_and_retried(settings: Settings) -> None:
    receiver = Receiver("another-secret-entirely", free_port())
    await receiver.start()
    try:
        async with _app(settings) as client:
            runtime = runtime_of(client)
            await _subscribe(client, receiver.url)
            await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
            await eventually(_true(lambda: receiver.bad_signatures >= 2))
            assert receiver.received == []
            [d] = await rows(runtime, "SELECT state, last_error FROM alerts_deliveries")
            assert d["state"] == "pending" and d["last_error"] == "HTTP 401"
    finally:
        await receiver.stop()


async def test_silence_suppresses_delivery_but_keeps_the_record(settings: Settings) -> None:
    receiver = Receiver(SECRET, free_port())
    await receiver.start()
    try:
        async with _app(settings) as client:
            runtime = runtime_of(client)
            await _subscribe(client, receiver.url)
            r = await client.post("/api/v1/silences", headers=ADMIN, json={
                "matchers": [{"name": "unit", "value": "QY-QC-0[12]", "is_regex": True}],
                "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "comment": "maintenance"})
            assert r.status_code == 201, r.text
            await publish(runtime, escalated(uuid.uuid4(), unit="QY-QC-01"), "QY-QC-01")  # silenced
            await publish(runtime, escalated(uuid.uuid4(), unit="QY-QC-03"), "QY-QC-03")  # not silenced
            await eventually(_true(lambda: len(receiver.received) >= 1))
            await asyncio.sleep(0.5)
            assert [b["alerts"][0]["unit"] for b in receiver.received] == ["QY-QC-03"]
            alerts = [a for a in (await client.get("/api/v1/alerts", headers=ADMIN)).json()["items"]
                      if a["type"] != "CalendarYearMissing"]  # the ops alert of an app started after 1 Nov
            assert {a["unit"] for a in alerts} == {"QY-QC-01", "QY-QC-03"}  # both recorded
            hist = await rows(runtime, "SELECT a.unit, h.silenced FROM alerts_history h "
                                       "JOIN alerts_alerts a ON a.id = h.alert_id "
                                       "WHERE a.unit <> 'M2C' ORDER BY a.unit")  # not the ops alert
            assert hist == [{"unit": "QY-QC-01", "silenced": True}, {"unit": "QY-QC-03", "silenced": False}]

            bad = await client.post("/api/v1/silences", headers=ADMIN, json={
                "matchers": [{"name": "unit", "value": "([", "is_regex": True}],
                "ends_at": datetime.now(UTC).isoformat()})
            assert bad.status_code == 422 and "matchers" in bad.json()["errors"][0]["field"]
    finally:
        await receiver.stop()


async def test_unacknowledged_alert_repeats_after_the_interval(settings: Settings) -> None:
    clock = ManualClock(datetime.now(UTC))
    receiver = Receiver(SECRET, free_port(), clock=lambda: clock.now().timestamp())
    await receiver.start()
    try:
        async with _app(settings, clock) as client:
            runtime = runtime_of(client)
            await _subscribe(client, receiver.url, repeat_interval_s=3600)
            await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
            await eventually(_true(lambda: len(receiver.received) == 1))
            clock.advance(seconds=3601)
            await eventually(_true(lambda: len(receiver.received) == 2))
            assert receiver.received[1]["change"] == "repeat"
            assert len(set(receiver.delivery_ids)) == 2

            alert_id = receiver.received[0]["alerts"][0]["id"]
            assert (await client.post(f"/api/v1/alerts/{alert_id}/ack", headers=ADMIN)).status_code == 200
            clock.advance(seconds=7200)
            await asyncio.sleep(0.6)
            assert len(receiver.received) == 2  # acknowledged: no more repeats
    finally:
        await receiver.stop()


async def test_webhook_urls_are_validated(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    async with _app(settings) as client:
        for url, words in (("ftp://example.com/x", "http"), ("http://user:pw@example.com/x", "账号密码"),
                           ("http:///nohost", "主机名")):
            r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": "x", "channel": {"type": "webhook", "url": url, "secret": SECRET}})
            assert r.status_code == 422, url
            assert r.json()["errors"][0]["field"] == "body.channel.url" and words in r.json()["errors"][0]["message"]
        unknown = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "bus", "match": {"unit_prefix": "QY-ZZ"}, "channel": {"type": "kafka"}})
        assert unknown.status_code == 422 and unknown.json()["errors"] == [
            {"field": "body.match.unit_prefix", "message": "没有单位 QY-ZZ"}]
        kafka = await client.post("/api/v1/subscriptions", headers=ADMIN,
                                  json={"name": "bus", "channel": {"type": "kafka"}})
        assert kafka.status_code == 201 and kafka.json()["channel"] == {"type": "kafka", "url": None}
        assert len((await client.get("/api/v1/subscriptions", headers=ADMIN)).json()) == 1
        assert (await client.delete(f"/api/v1/subscriptions/{kafka.json()['id']}", headers=ADMIN)).status_code == 204
        assert (await client.get("/api/v1/subscriptions", headers=ADMIN)).json() == []

    monkeypatch.setenv("M2C_ALERTS_WEBHOOK_ALLOWED_HOSTS", '["hooks.example.com"]')
    async with _app(settings) as client:
        r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "x", "channel": {"type": "webhook", "url": "https://evil.example.org/h", "secret": SECRET}})
        assert r.status_code == 422 and "白名单" in r.json()["errors"][0]["message"]
        ok = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "x", "channel": {"type": "webhook", "url": "https://hooks.example.com/h", "secret": SECRET}})
        assert ok.status_code == 201
