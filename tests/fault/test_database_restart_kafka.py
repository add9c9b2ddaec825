"""Over the real broker: a consumer with lag loses nothing through a PostgreSQL restart, poison still
goes to the DLQ, and `m2c events replay-dlq` re-applies a dead letter exactly once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from services.alerts.bootstrap import build as build_alerts
from services.cli import _replay_on_kafka
from shared.events import topics
from shared.events.audit import ErrorReported
from shared.messaging.dead_letters import ReplayFilter
from shared.messaging.dispatch import ReceivedEvent
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from tests.fault.conftest import FaultyPostgres
from tests.fault.processes import effects, exactly
from tests.fault.support import counts, error_envelope, not_ready, ready, wait_until
from tests.helpers import json_of

pytestmark = pytest.mark.kafka
N = 400


@pytest.fixture
def faulty_kafka_settings(faulty_settings: Settings, kafka_bootstrap: str) -> Settings:
    return faulty_settings.model_copy(update={
        "kafka_bootstrap": kafka_bootstrap, "topic_prefix": f"f{uuid.uuid4().hex[:8]}.", "kafka_partitions": 2,
    })


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for i, value in enumerate(values):
            await producer.send(topic, value, key=f"QY-QC-0{i % 3}".encode())
        await producer.flush()
    finally:
        await producer.stop()


async def _dlq(runtime: Runtime) -> list[dict]:
    async with runtime.dead_letters() as letters:
        return [json_of(m) for m in await letters.pending()]


async def test_a_lagging_consumer_loses_nothing_through_a_database_restart(
    faulty_pg: FaultyPostgres, faulty_kafka_settings: Settings,
) -> None:
    s = faulty_kafka_settings
    runtime = await Runtime.open(s)
    try:
        values = [error_envelope() for _ in range(N)]
        values[N // 3] = b"poison: not an event"
        values[2 * N // 3] = b'{"specversion": "1.0"}'
        # A backlog before the consumer starts, and the rest while PostgreSQL is away: a batch-applying
        # consumer drains a few hundred events in well under a second, so only events that arrive
        # during the outage are sure to find it down (and the consumer lagging).
        await _produce(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), values[:N // 2])
        [spec] = build_alerts().consumers
        runtime.start_consumers([spec])

        async def some_done() -> bool:
            c = await counts(runtime)
            return c is not None and c[1] >= 40

        await wait_until(some_done, timeout_s=60)
        await faulty_pg.stop()
        await _produce(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), values[N // 2:])
        health = runtime.consumer_health["m2c-alerts"]
        await wait_until(lambda: not_ready(health), timeout_s=10)
        await asyncio.sleep(4)
        back_at = await faulty_pg.start()
        resumed_at = await wait_until(lambda: ready(health), timeout_s=30, pause_s=0.01)

        async def all_done() -> bool:
            return await counts(runtime) == (N - 2, N - 2)

        drained_at = await wait_until(all_done, timeout_s=120)
        print(f"\n[recovery] Kafka consumer with lag: resumed {resumed_at - back_at:.2f} s after PostgreSQL was "
              f"back; backlog of {N} drained {drained_at - back_at:.2f} s after")
        # 0 lost, 0 duplicated: one alert, one history row, one AlertRaised per good event (no relay
        # runs here, so the AlertRaised rows wait in the outbox)
        e = await effects(runtime)
        assert {k: v for k, v in e.items() if k != "unpublished"} == {
            k: v for k, v in exactly(N - 2).items() if k != "unpublished"}
        dead = await _dlq(runtime)
        assert sorted(d["reason"] for d in dead) == ["poison", "poison"]
        consumed = runtime.metrics.events_consumed
        assert consumed.labels("m2c-alerts", "ErrorReported", "dead_lettered")._value.get() == 0
        assert consumed.labels("m2c-alerts", "ErrorReported", "processed")._value.get() == N - 2
    finally:
        await runtime.close()


async def test_replay_dlq_re_applies_a_dead_letter_exactly_once(
    faulty_kafka_settings: Settings,
) -> None:
    s = faulty_kafka_settings.model_copy(update={"consumer_max_attempts": 2})
    runtime = await Runtime.open(s)
    [alerts] = build_alerts().consumers
    broken = True

    async def flaky(event: ReceivedEvent, uow) -> None:  # a handler bug, fixed later
        if broken:
            raise RuntimeError("bug")
        await alerts.handlers[ErrorReported](event, uow)

    try:
        await _produce(s.required_kafka_bootstrap(), s.topic(topics.AUDIT), [error_envelope()])
        runtime.start_consumers([ConsumerSpec(alerts.group, alerts.topics, {**alerts.handlers,
                                                                            ErrorReported: flaky})])

        async def dead_lettered() -> bool:
            return len(await _dlq(runtime)) == 1

        await wait_until(dead_lettered, timeout_s=60, pause_s=0.5)
        relay = runtime.relay()
        await relay.measure_dead_letters()
        assert runtime.metrics.dlq_pending._value.get() == 1
        assert runtime.metrics.dlq_oldest_age._value.get() >= 0
        assert await counts(runtime) == (0, 0)

        broken = False
        report = await _replay_on_kafka(s, ReplayFilter(group="m2c-alerts"))
        assert report.as_dict()["replayed"] == 1

        async def applied() -> bool:
            return await counts(runtime) == (1, 1)

        await wait_until(applied, timeout_s=60)
        assert (await _replay_on_kafka(s, ReplayFilter())).as_dict()["replayed"] == 0  # the cursor moved on
        await relay.measure_dead_letters()
        assert runtime.metrics.dlq_pending._value.get() == 0
        await asyncio.sleep(1)
        assert await counts(runtime) == (1, 1)
    finally:
        await runtime.close()
