"""The Kafka transport: an idempotent producer, a consumer-group source and topic set-up."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.messaging.message import InboundMessage, OutboundMessage
from shared.observability import Metrics

log = logging.getLogger(__name__)


class KafkaPublisher:
    def __init__(self, bootstrap: str, *, client_id: str = "m2c"):
        # Idempotent producer with acks=all: a retried send never duplicates within a partition.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, client_id=client_id, enable_idempotence=True, acks="all",
            linger_ms=5, max_batch_size=262144,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        futures = [
            await self._producer.send(
                m.topic, m.value, key=m.key.encode() if m.key else None,
                headers=[(k, v.encode()) for k, v in m.headers.items()],
            )
            for m in messages
        ]
        for future in futures:
            await future

    async def ping(self) -> None:
        """Raise unless the cluster answers a metadata request."""
        await self._producer.client.fetch_all_metadata()


class KafkaSource:
    def __init__(self, bootstrap: str, group: str, topics: Sequence[str], metrics: Metrics, *, batch: int = 500):
        self.group = group
        self._metrics = metrics
        self._batch = batch
        self._consumer = AIOKafkaConsumer(
            *topics, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id=f"m2c-{group}",
        )

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def fetch(self, timeout_s: float) -> list[InboundMessage]:
        records = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=self._batch)
        out: list[InboundMessage] = []
        for tp, recs in records.items():
            for r in recs:
                out.append(InboundMessage(
                    r.topic, r.partition, r.offset, r.key.decode() if r.key else None, r.value,
                    {k: v.decode(errors="replace") for k, v in r.headers or ()},
                ))
            highwater = self._consumer.highwater(tp)
            if highwater is not None and recs:
                self._metrics.consumer_lag.labels(self.group, tp.topic, str(tp.partition)).set(
                    max(0, highwater - recs[-1].offset - 1))
        return out

    async def commit(self, messages: Sequence[InboundMessage]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            offsets[tp] = max(offsets.get(tp, 0), m.offset + 1)
        await self._consumer.commit(offsets)


async def ensure_topics(bootstrap: str, names: Sequence[str], partitions: int) -> None:
    """Create m2c's topics if missing (production clusters may pre-create them; that is fine)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="m2c-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, partitions, 1) for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
                await admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()
