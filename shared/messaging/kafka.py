"""The Kafka transport: an idempotent producer, a consumer-group source and topic set-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import IllegalStateError, TopicAlreadyExistsError

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
        """Send in order and wait for every acknowledgement.

        Built into one record batch per partition (create_batch/send_batch) rather than one send()
        each: a send() costs ~85 µs of Python, which made the relay the backbone's slowest stage.
        Same partition per key as send() (the producer's partitioner), same order within a partition.
        """
        builders: dict[tuple[str, int], Any] = {}
        futures: list[asyncio.Future[Any]] = []
        partitions: dict[str, tuple[list[int], list[int]]] = {}
        chosen: dict[tuple[str, bytes], tuple[str, int]] = {}
        for m in messages:
            if m.topic not in partitions:
                known = sorted(await self._producer.partitions_for(m.topic))  # waits for the topic's metadata
                available = list(self._producer.client.cluster.available_partitions_for_topic(m.topic) or known)
                partitions[m.topic] = (known, available)
            key = m.key.encode() if m.key else None
            tp = chosen.get((m.topic, key)) if key is not None else None
            if tp is None:  # the partitioner hashes in Python (murmur2): once per key and topic
                tp = (m.topic, self._producer._partitioner(key, *partitions[m.topic]))
                if key is not None:
                    chosen[(m.topic, key)] = tp
            headers = [(k, v.encode()) for k, v in m.headers.items()]
            builder = builders.get(tp)
            if builder is None or builder.append(key=key, value=m.value, timestamp=None, headers=headers) is None:
                if builder is not None:  # full: send it, go on in a fresh one
                    futures.append(await self._producer.send_batch(builder, tp[0], partition=tp[1]))
                builder = builders[tp] = self._producer.create_batch()
                if builder.append(key=key, value=m.value, timestamp=None, headers=headers) is None:
                    raise ValueError(f"message of {len(m.value or b'')} bytes does not fit in a record batch")
        for (topic, partition), builder in builders.items():
            futures.append(await self._producer.send_batch(builder, topic, partition=partition))
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
        """Up to `batch` messages of every assigned partition that has some buffered.

        getmany(max_records=N) fills N from the first partition with a buffer (a backlog gives
        one partition per fetch), so the others are topped up one by one without waiting: the
        consumer loop applies each partition's run in a transaction of its own, side by side.
        """
        records = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=self._batch)
        if records:
            try:
                for tp in self._consumer.assignment():
                    if tp not in records:
                        records.update(await self._consumer.getmany(tp, timeout_ms=0, max_records=self._batch))
            except BaseException:
                # The positions moved past what was fetched so far and nobody will apply it: go back
                # to it (the error is raised as a failed fetch would be, nothing is skipped).
                for fetched_tp, recs in records.items():
                    with contextlib.suppress(IllegalStateError):  # revoked: its next owner starts at the commit
                        self._consumer.seek(fetched_tp, recs[0].offset)
                raise
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
        # A partition revoked while its batch was applied (a replica joined or left) is not ours to
        # commit: its new owner starts at the last commit, and the inbox drops what it sees again.
        assigned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if offsets:
            await self._consumer.commit(offsets)

    def rewind(self, messages: Sequence[InboundMessage]) -> None:
        # getmany() moved the position past the batch; go back to the first message not applied,
        # or the next commit would cover (and so skip) the ones in between.
        first: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            first[tp] = min(first.get(tp, m.offset), m.offset)
        for tp, offset in first.items():
            with contextlib.suppress(IllegalStateError):  # revoked meanwhile: its next owner starts at the commit
                self._consumer.seek(tp, offset)


class KafkaDeadLetterLog:
    """The dead-letter topic read from a replay cursor (the committed offsets of `cursor_group`).

    Letters before the cursor were replayed (or set aside); the ones after it are pending. The
    cursor group never joins as a member: partitions are assigned by hand, offsets committed by hand.
    """

    def __init__(self, bootstrap: str, topic: str, cursor_group: str):
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=cursor_group, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id=f"m2c-{cursor_group}",
        )
        self._tps: list[TopicPartition] = []

    async def __aenter__(self) -> KafkaDeadLetterLog:
        await self._consumer.start()
        try:
            # Not subscribed, the consumer holds no metadata of the topic: ask the cluster.
            cluster = await self._consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(self.topic) or set()
            self._tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            self._consumer.assign(self._tps)
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._consumer.stop()

    async def _ranges(self) -> dict[TopicPartition, tuple[int, int]]:
        """Per partition: (cursor, end) — the pending letters are the offsets in between."""
        if not self._tps:
            return {}
        ends = await self._consumer.end_offsets(self._tps)
        begins = await self._consumer.beginning_offsets(self._tps)
        out = {}
        for tp in self._tps:
            committed = await self._consumer.committed(tp)
            out[tp] = (max(committed or 0, begins[tp]), ends[tp])  # retention may have removed some
        return out

    async def _read(self, ranges: dict[TopicPartition, tuple[int, int]], *, first_only: bool,
                    timeout_s: float = 30.0) -> list[Any]:
        todo = {tp: r for tp, r in ranges.items() if r[0] < r[1]}
        for tp, (start, _) in todo.items():
            self._consumer.seek(tp, start)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout_s
        while todo:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"reading {self.topic} took longer than {timeout_s} s")
            batch = await self._consumer.getmany(*todo, timeout_ms=500)
            for tp, recs in batch.items():
                if tp not in todo:
                    continue
                end = todo[tp][1]
                wanted = [r for r in recs if r.offset < end][: 1 if first_only else None]
                records += wanted
                if (first_only and wanted) or (recs and recs[-1].offset + 1 >= end):
                    del todo[tp]
        return records

    async def pending(self) -> list[InboundMessage]:
        records = await self._read(await self._ranges(), first_only=False)
        return [
            InboundMessage(r.topic, r.partition, r.offset, r.key.decode() if r.key else None, r.value,
                           {k: v.decode(errors="replace") for k, v in r.headers or ()})
            for r in sorted(records, key=lambda r: (r.partition, r.offset))
        ]

    async def stats(self) -> tuple[int, datetime | None]:
        """How many letters are pending, and when the oldest of them was dead-lettered."""
        ranges = await self._ranges()
        count = sum(end - start for start, end in ranges.values())
        if not count:
            return 0, None
        firsts = await self._read(ranges, first_only=True)
        oldest = min((r.timestamp for r in firsts), default=None)
        return count, datetime.fromtimestamp(oldest / 1000, UTC) if oldest is not None else None

    async def advance(self, offsets: dict[int, int]) -> None:
        """Move the cursor: partition -> the offset of the first letter still pending."""
        if offsets:
            await self._consumer.commit({TopicPartition(self.topic, p): o for p, o in offsets.items()})


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
