"""A batch the consumer could not finish is fetched again from the first message not applied."""

from __future__ import annotations

import uuid

import pytest

from shared.messaging.kafka import KafkaPublisher, KafkaSource, ensure_topics
from shared.messaging.message import OutboundMessage
from shared.observability import Metrics
from tests.helpers import eventually

pytestmark = pytest.mark.kafka


async def test_rewind_refetches_the_unapplied_rest_of_a_batch(kafka_bootstrap: str) -> None:
    topic, group = f"rewind-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topic], 1)
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    try:
        await publisher.publish([OutboundMessage(topic, "k", str(i).encode()) for i in range(6)])
    finally:
        await publisher.stop()

    source = KafkaSource(kafka_bootstrap, group, [topic], Metrics())
    await source.start()
    try:
        batch: list = []

        async def fetched_all() -> bool:
            batch.extend(await source.fetch(0.5))
            return len(batch) == 6

        await eventually(fetched_all, timeout_s=30)
        await source.commit(batch[:2])  # two applied, then a failure
        source.rewind(batch[2:])
        again = await source.fetch(5)
        assert [m.offset for m in again] == [2, 3, 4, 5]
    finally:
        await source.stop()

    fresh = KafkaSource(kafka_bootstrap, group, [topic], Metrics())  # a restarted consumer: from the commit
    await fresh.start()
    try:
        got: list = []

        async def resumed() -> bool:
            got.extend(await fresh.fetch(0.5))
            return len(got) >= 4

        await eventually(resumed, timeout_s=30)
        assert [m.offset for m in got] == [2, 3, 4, 5]
    finally:
        await fresh.stop()
