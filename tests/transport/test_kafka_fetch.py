"""A Kafka fetch with a backlog on several partitions: every assigned partition that has messages
buffered comes back in the same fetch (at most `batch` of each, in offset order), so the consumer
loop applies them side by side instead of one partition per fetch."""

from __future__ import annotations

import uuid

import pytest

from shared.messaging.kafka import KafkaPublisher, KafkaSource, ensure_topics
from shared.messaging.message import InboundMessage, OutboundMessage
from shared.observability import Metrics
from shared.settings import Settings
from tests.helpers import eventually

pytestmark = pytest.mark.kafka

BATCH = 40


async def test_a_backlog_comes_back_from_every_partition_in_one_fetch(kafka_settings: Settings) -> None:
    assert kafka_settings.kafka_bootstrap
    bootstrap = kafka_settings.kafka_bootstrap
    topic = f"fetch-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], 3)
    publisher = KafkaPublisher(bootstrap)
    await publisher.start()
    try:  # 30 keys over 3 partitions, 10 messages each: a backlog of 300 before the consumer joins
        await publisher.publish([OutboundMessage(topic, f"k{k}", f"{k}:{i}".encode())
                                 for i in range(10) for k in range(30)])
    finally:
        await publisher.stop()
    source = KafkaSource(bootstrap, f"{topic}.group", [topic], Metrics(), batch=BATCH)
    await source.start()
    fetches: list[list[InboundMessage]] = []
    try:
        async def all_fetched() -> bool:
            batch = await source.fetch(0.5)
            if batch:
                fetches.append(batch)
                await source.commit(batch)
            return sum(map(len, fetches)) >= 300

        await eventually(all_fetched, timeout_s=60)
    finally:
        await source.stop()
    per_fetch = [{p: [m.offset for m in f if m.partition == p] for p in {m.partition for m in f}} for f in fetches]
    # more than `batch` in one fetch: several partitions topped up (getmany alone caps the whole fetch)
    assert max(map(len, fetches)) > BATCH
    assert all(len(offsets) <= BATCH for parts in per_fetch for offsets in parts.values())
    offsets: dict[int, list[int]] = {}
    for parts in per_fetch:
        for p, got in parts.items():
            offsets.setdefault(p, []).extend(got)
    assert all(got == list(range(len(got))) for got in offsets.values())  # each partition whole, in order
    assert sum(map(len, offsets.values())) == 300
