"""The in-process transport of the embedded mode: an append-only log per topic in memory.

It keeps Kafka's shape (topics, consumer groups, committed offsets) so the relay and the
consumer loop run unchanged; it is not durable, which the outbox and inbox make up for:
unpublished rows stay in the outbox, and the embedded app replays nothing it has not committed.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from shared.messaging.message import InboundMessage, OutboundMessage


class InProcessBroker:
    def __init__(self) -> None:
        self._logs: dict[str, list[InboundMessage]] = defaultdict(list)
        self._committed: dict[tuple[str, str], int] = defaultdict(int)
        self._changed = asyncio.Condition()

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        async with self._changed:
            for m in messages:
                log = self._logs[m.topic]
                log.append(InboundMessage(m.topic, 0, len(log), m.key, m.value, dict(m.headers)))
            self._changed.notify_all()

    def messages(self, topic: str) -> list[InboundMessage]:
        return list(self._logs[topic])

    def dead_letters(self, topic: str, cursor_group: str) -> InProcessDeadLetterLog:
        return InProcessDeadLetterLog(self, topic, cursor_group)

    def source(self, group: str, topics: Sequence[str]) -> InProcessSource:
        return InProcessSource(self, group, tuple(topics))

    def _pending(self, group: str, topics: Sequence[str], limit: int) -> list[InboundMessage]:
        out: list[InboundMessage] = []
        for topic in topics:
            start = self._committed[(group, topic)]
            out.extend(self._logs[topic][start:start + limit - len(out)])
        return out

    async def _fetch(self, group: str, topics: Sequence[str], timeout_s: float, limit: int) -> list[InboundMessage]:
        async with self._changed:
            batch = self._pending(group, topics, limit)
            if not batch:
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout_s)
                except TimeoutError:
                    return []
                batch = self._pending(group, topics, limit)
            return batch

    def _commit(self, group: str, messages: Sequence[InboundMessage]) -> None:
        for m in messages:
            key = (group, m.topic)
            self._committed[key] = max(self._committed[key], m.offset + 1)


class InProcessSource:
    def __init__(self, broker: InProcessBroker, group: str, topics: tuple[str, ...], batch: int = 500):
        self._broker = broker
        self.group = group
        self._topics = topics
        self._batch = batch

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def fetch(self, timeout_s: float) -> list[InboundMessage]:
        return await self._broker._fetch(self.group, self._topics, timeout_s, self._batch)

    async def commit(self, messages: Sequence[InboundMessage]) -> None:
        self._broker._commit(self.group, messages)

    def rewind(self, messages: Sequence[InboundMessage]) -> None:
        return None  # every fetch starts at the committed offsets


class InProcessDeadLetterLog:
    """The dead-letter topic from a replay cursor, as shared/messaging/kafka.py reads it on Kafka."""

    def __init__(self, broker: InProcessBroker, topic: str, cursor_group: str):
        self._broker = broker
        self.topic = topic
        self._key = (cursor_group, topic)

    async def __aenter__(self) -> InProcessDeadLetterLog:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def pending(self) -> list[InboundMessage]:
        return self._broker._logs[self.topic][self._broker._committed[self._key]:]

    async def stats(self) -> tuple[int, datetime | None]:
        pending = await self.pending()
        if not pending:
            return 0, None
        return len(pending), datetime.fromisoformat(json.loads(pending[0].value or b"{}")["failed_at"])

    async def advance(self, offsets: dict[int, int]) -> None:
        if 0 in offsets:
            self._broker._committed[self._key] = max(self._broker._committed[self._key], offsets[0])
