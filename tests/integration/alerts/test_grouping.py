"""Issue 16: a burst of per-customer arrears risks reaches a grouped subscriber as one digest per
station, inside one group_interval; a group that resolves as a whole says so once; severity rules
give a realistic split (a manual clock drives group_wait / group_interval)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.clock import ManualClock
from shared.embedded_pg import free_port
from shared.events.alerts import ArrearsRiskDetected
from shared.settings import Settings
from tests.helpers import EmbeddedClient, embedded_client, eventually, present
from tests.integration.alerts.receiver import Receiver
from tests.integration.alerts.support import ADMIN, rows

SECRET = "s3cret-for-the-grouping-receiver"
STATIONS = [f"QY-GB-{i:02d}" for i in range(1, 61)]
START = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)  # before 1 Nov: no CalendarYearMissing ops alert


@pytest.fixture(autouse=True)
def fast_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_ALERTS_POLL_S", "0.05")


def risk(customer: str, unit: str, arrears: Decimal, at: datetime) -> ArrearsRiskDetected:
    return ArrearsRiskDetected(customer_no=customer, unit=unit, grade="B", score=55.0, arrears=arrears,
                               months_overdue=2, measures=["缩短抄表周期"], detected_at=at)


@asynccontextmanager
async def _app(settings: Settings, clock: ManualClock) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=clock) as client:
        org = [{"code": "QY", "name": "清远供电局", "level": "city"},
               {"code": "QY-GB", "name": "广宝县供电局", "level": "county", "parent": "QY"}]
        org += [{"code": s, "name": f"第{i}供电所", "level": "station", "parent": "QY-GB", "area_type": "rural"}
                for i, s in enumerate(STATIONS, 1)]
        r = await client.post("/api/v1/org-units", json={"units": org}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield client


async def _publish_many(runtime, events: list[tuple[ArrearsRiskDetected, str]]) -> None:
    async with runtime.uow() as uow:
        for payload, subject in events:
            uow.emit(payload, subject=subject)
        await uow.commit()


async def _consumed(runtime, n: int, timeout_s: float = 600) -> None:
    async def done():
        [r] = await rows(runtime, "SELECT count(*) AS n FROM m2c_inbox WHERE consumer = 'm2c-alerts' "
                                  "AND event_type = 'ArrearsRiskDetected'")
        return r["n"] >= n or None
    await eventually(done, timeout_s=timeout_s, pause_s=0.5)


async def test_burst_of_5000_risks_is_one_digest_per_station_per_group_interval(settings: Settings) -> None:
    clock = ManualClock(START)
    receiver = Receiver(SECRET, free_port(), clock=lambda: clock.now().timestamp())
    await receiver.start()
    try:
        async with _app(settings, clock) as client:
            runtime = client.app.state.runtime
            # ~1 % large customers (their risk is critical whatever the amount)
            large = [f"C{i:05d}" for i in range(0, 5000, 97)]
            csv = "customer_no,unit,large\n" + "".join(f"{c},{STATIONS[int(c[1:]) % 60]},true\n" for c in large)
            r = await client.post("/api/v1/credit/import/customers", content=csv.encode(),
                                  headers={"Content-Type": "text/csv", **ADMIN})
            assert r.status_code == 201, r.text
            sub = (await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": "营销系统", "match": {"types": ["ArrearsRiskDetected"]}, "group_wait_s": 30,
                "group_interval_s": 300, "channel": {"type": "webhook", "url": receiver.url, "secret": SECRET}})).json()
            assert sub["group_by"] == ["unit", "type"] and sub["send_resolved"] is True
            bus = (await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": "数据总线", "match": {"types": ["ArrearsRiskDetected"]}, "group_wait_s": 30,
                "group_interval_s": 300, "channel": {"type": "kafka"}})).json()

            rnd = random.Random(16)
            amounts = {}
            burst = []
            for i in range(5000):
                c = f"C{i:05d}"
                # most overdue amounts are small (¥945 is typical); one in twenty passes ¥50 000
                amounts[c] = Decimal(rnd.choice([945, 1200, 3800, 12000, 26000] * 4 + [50000, 88000]))
                burst.append((risk(c, STATIONS[i % 60], amounts[c], clock.now()), STATIONS[i % 60]))
            await _publish_many(runtime, burst)
            await _consumed(runtime, 5000)
            assert receiver.received == []  # still inside group_wait: nothing sent yet
            assert await _digests(runtime) == []

            clock.advance(seconds=31)
            await eventually(_true(lambda: len(receiver.received) >= 60), timeout_s=60)
            await asyncio.sleep(1.0)
            assert len(receiver.received) == 60 and receiver.bad_signatures == 0
            by_unit = {b["group"]["labels"]["unit"]: b for b in receiver.received}
            assert set(by_unit) == set(STATIONS)
            one = by_unit["QY-GB-07"]
            assert one["change"] == "firing" and one["group"]["labels"] == {"type": "ArrearsRiskDetected",
                                                                            "unit": "QY-GB-07"}
            expected = sum(1 for i in range(5000) if STATIONS[i % 60] == "QY-GB-07")
            assert one["group"]["count"] == expected and len(one["alerts"]) == 20
            assert one["group"]["truncated"] == expected - 20
            listed = [a["severity"] for a in one["alerts"]]
            assert listed == sorted(listed, key=["critical", "warning"].index)  # the critical ones first
            link = await client.get(one["group"]["link"] + "&limit=500", headers=ADMIN)
            assert len(link.json()["items"]) == expected
            # the Kafka subscription: the same groups at the same moments, one AlertGroupNotified each
            digests = await eventually(lambda: _digests(runtime, at_least=60), timeout_s=30)
            assert len(digests) == 60 and {d["key"] for d in digests} == {bus["id"]}
            kafka_by_unit = {d["data"]["group_labels"]["unit"]: d["data"] for d in digests}
            assert set(kafka_by_unit) == set(STATIONS)
            k = kafka_by_unit["QY-GB-07"]
            assert (k["change"], k["status"], k["count"], len(k["alerts"]), k["truncated"], k["link"]) == (
                "firing", "firing", expected, 20, expected - 20, one["group"]["link"])
            assert k["subscription_id"] == bus["id"] and k["counts"]["firing"] == expected
            assert {a["status"] for a in k["alerts"]} == {"firing"}

            # more risks inside the group_interval: held back, then one more digest per touched station
            more = [(risk(f"D{i:03d}", STATIONS[i % 10], Decimal(945), clock.now()), STATIONS[i % 10])
                    for i in range(100)]
            await _publish_many(runtime, more)
            await _consumed(runtime, 5100)
            clock.advance(seconds=200)  # 231 s after the first digest: still inside group_interval
            await asyncio.sleep(1.0)
            assert len(receiver.received) == 60
            clock.advance(seconds=100)
            await eventually(_true(lambda: len(receiver.received) >= 70), timeout_s=30)
            await asyncio.sleep(1.0)
            assert len(receiver.received) == 70
            assert {b["group"]["labels"]["unit"] for b in receiver.received[60:]} == set(STATIONS[:10])
            digests = present(await _digests(runtime))  # Kafka: ≤ one per group per group_interval too
            assert len(digests) == 70
            assert Counter(d["data"]["group_labels"]["unit"] for d in digests[60:]) == Counter(STATIONS[:10])
            assert len(receiver.delivery_ids) == len(set(receiver.delivery_ids))
            [n] = await rows(runtime, "SELECT count(*) AS n FROM alerts_deliveries")
            assert n["n"] == 70

            # severity rules: ≥ ¥50 000 or a large customer → critical, the rest warning
            summary = (await client.get("/api/v1/alerts/summary", headers=ADMIN)).json()
            critical = sum(1 for c, a in amounts.items() if a >= 50000 or c in large)
            assert summary["firing"]["by_severity"] == {"critical": critical, "warning": 5100 - critical}
            assert summary["firing"]["total"] == 5100 and 0.05 < critical / 5100 < 0.2
            assert summary["definition"] == "state = firing, not silenced, not inhibited"
    finally:
        await receiver.stop()


async def _digests(runtime, at_least: int = 0) -> list[dict] | None:
    """The AlertGroupNotified messages in the outbox, oldest first (None while fewer than `at_least`)."""
    got = await rows(runtime, "SELECT key, payload -> 'data' AS data FROM m2c_outbox "
                              "WHERE event_type = 'AlertGroupNotified' ORDER BY id")
    return got if len(got) >= at_least else None


def _true(condition):
    async def probe():
        return condition() or None
    return probe


async def test_a_group_that_resolves_as_a_whole_sends_one_resolved_notification(settings: Settings) -> None:
    from shared.events.scoring import RecoveryWarningIssued
    clock = ManualClock(START)
    receiver = Receiver(SECRET, free_port(), clock=lambda: clock.now().timestamp())
    await receiver.start()
    try:
        async with _app(settings, clock) as client:
            runtime = client.app.state.runtime
            r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
                "name": "调度", "match": {"types": ["RecoveryWarningIssued"]}, "group_by": ["type"],
                "group_wait_s": 10, "group_interval_s": 60,
                "channel": {"type": "webhook", "url": receiver.url, "secret": SECRET}})
            assert r.status_code == 201, r.text

            async def light(unit: str, color: str) -> None:
                async with runtime.uow() as uow:
                    uow.emit(RecoveryWarningIssued(unit=unit, period="2026-10", light=color, recovery_rate=0.99,
                                                   issued_at=clock.now()), subject=unit)
                    await uow.commit()

            for unit in STATIONS[:3]:
                await light(unit, "red")
            await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_alerts OFFSET 2"))
            clock.advance(seconds=11)
            await eventually(_true(lambda: len(receiver.received) == 1))
            assert receiver.received[0]["group"]["count"] == 3
            await light(STATIONS[0], "green")
            await light(STATIONS[1], "green")
            await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_alerts WHERE state = 'resolved' OFFSET 1"))
            clock.advance(seconds=61)
            await asyncio.sleep(0.6)
            assert len(receiver.received) == 1  # one still red: no resolved notification, nothing new
            await light(STATIONS[2], "green")
            await eventually(lambda: rows(runtime, "SELECT 1 FROM alerts_alerts WHERE state = 'resolved' OFFSET 2"))
            clock.advance(seconds=61)
            await eventually(_true(lambda: len(receiver.received) == 2))
            done = receiver.received[1]
            assert done["change"] == "resolved" and done["status"] == "resolved"
            assert [a["unit"] for a in done["alerts"]] == [STATIONS[2]]
            assert await rows(runtime, "SELECT * FROM alerts_groups") == []
            counts = Counter(d["change"] for d in await rows(runtime, "SELECT change FROM alerts_deliveries"))
            assert counts == {"firing": 1, "resolved": 1}
    finally:
        await receiver.stop()
