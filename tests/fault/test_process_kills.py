"""kill -9 of the relay and of the alerts service mid-stream; two replicas with two relays and
poison among good messages:
`m2c serve alerts` and `m2c relay` as separate processes over the real broker and PostgreSQL.
Every event has exactly one effect (0 lost, 0 duplicated); each test prints its recovery time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.events import topics
from shared.messaging.message import OutboundMessage
from shared.runtime import Runtime
from shared.settings import Settings
from tests.fault.processes import Processes, effects, exactly, write_errors
from tests.fault.support import wait_until
from tests.helpers import json_of

pytestmark = pytest.mark.kafka
N = 600
STEP = 20  # events per write transaction, one every WRITE_PAUSE_S: a steady stream of ~6 s
WRITE_PAUSE_S = 0.2
POISON = 5


@pytest.fixture
def fault_settings(kafka_settings: Settings) -> Settings:
    return kafka_settings.model_copy(update={"kafka_partitions": 2})


@pytest.fixture
async def runtime(fault_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await Runtime.open(fault_settings)  # the test's writer and counter; it runs no worker
    try:
        yield runtime
    finally:
        await runtime.close()


@pytest.fixture
def procs(fault_settings: Settings, tmp_path: Path):
    p = Processes(fault_settings, tmp_path)
    try:
        yield p
    finally:
        p.stop_all()


async def _stream(runtime: Runtime, n: int) -> None:
    for first in range(0, n, STEP):
        await write_errors(runtime, first, min(STEP, n - first))
        await asyncio.sleep(WRITE_PAUSE_S)


async def _alerts_at_least(runtime: Runtime, n: int, timeout_s: float) -> float:
    async def reached() -> bool:
        return (await effects(runtime))["alerts"] >= n
    return await wait_until(reached, timeout_s=timeout_s, pause_s=0.1)


async def _all_done(runtime: Runtime, n: int, timeout_s: float = 120) -> float:
    async def done() -> bool:
        e = await effects(runtime)
        return e["alerts"] >= n and e["unpublished"] == 0
    at = await wait_until(done, timeout_s=timeout_s, pause_s=0.2)
    await asyncio.sleep(1.0)  # anything late (a duplicate effect) would show up now
    assert await effects(runtime) == exactly(n)
    return at


async def test_kill_9_of_the_consumer_and_of_the_relay_mid_stream(runtime: Runtime, procs: Processes) -> None:
    procs.start("alerts", "serve", "alerts")
    procs.start("relay", "relay")
    writing = asyncio.create_task(_stream(runtime, N))
    try:
        await _alerts_at_least(runtime, N // 10, timeout_s=90)
        before = await _alerts_count_now(runtime)
        procs.kill("relay")  # mid-batch maybe: its claimed rows are sent again (the inbox drops the copies)
        procs.start("relay", "relay")
        restarted = time.monotonic()
        resumed = await _alerts_at_least(runtime, before + 1, timeout_s=90)
        print(f"\n[recovery] kill -9 of the relay: effects resumed {resumed - restarted:.1f} s after its restart")

        procs.kill("alerts")
        killed_at = await _alerts_count_now(runtime)
        procs.start("alerts", "serve", "alerts")
        restarted = time.monotonic()
        resumed = await _alerts_at_least(runtime, killed_at + 1, timeout_s=90)
        print(f"[recovery] kill -9 of the alerts consumer: effects resumed {resumed - restarted:.1f} s after "
              "its restart (process start and group rejoin included)")
        await writing
        drained = await _all_done(runtime, N)
        print(f"[recovery] all {N} events applied exactly once {drained - restarted:.1f} s after the consumer restart")
    finally:
        writing.cancel()


async def test_two_replicas_two_relays_and_poison_apply_every_event_once(runtime: Runtime, procs: Processes) -> None:
    for name in ("alerts-1", "alerts-2"):
        procs.start(name, "serve", "alerts")
    for name in ("relay-1", "relay-2"):
        procs.start(name, "relay")
    started = time.monotonic()
    audit = runtime.settings.topic(topics.AUDIT)
    poison = [OutboundMessage(audit, f"QY-QC-0{i}", b"poison: not an event") for i in range(1, POISON + 1)]
    await runtime.transport.publisher.publish(poison[:2])  # poison among good messages, on both partitions
    await _stream(runtime, N)
    await runtime.transport.publisher.publish(poison[2:])
    # One replica dies mid-stream: its partitions move to the other (a rebalance), nothing is lost.
    procs.kill("alerts-1")
    await write_errors(runtime, N, STEP)
    done = await _all_done(runtime, N + STEP)
    async with runtime.dead_letters() as log:
        dead = await log.pending()
    letters = [json_of(d) for d in dead]
    # Every poison message dead-lettered, nothing else. A replica killed after it wrote a dead letter
    # but before it committed the offset leaves the message to the survivor, which writes it again:
    # the DLQ is at-least-once (a replay is harmless: the inbox drops what was applied), so the
    # letters are counted by the position they came from.
    assert all(letter["reason"] == "poison" for letter in letters)
    assert len({(letter["topic"], letter["partition"], letter["offset"]) for letter in letters}) == POISON
    print(f"\n[recovery] two replicas, two relays, one replica killed: {N + STEP} events applied exactly once, "
          f"{done - started:.1f} s after the start; {POISON} poison messages dead-lettered "
          f"({len(letters) - POISON} written twice around the kill)")


async def _alerts_count_now(runtime: Runtime) -> int:
    return (await effects(runtime))["alerts"]
