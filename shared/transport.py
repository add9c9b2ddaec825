"""The two ways events travel: Kafka (production) or in-process (embedded mode)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.events import topics
from shared.messaging.dead_letters import DeadLetterLog
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.kafka import KafkaDeadLetterLog, KafkaPublisher, KafkaSource, ensure_topics
from shared.messaging.ports import MessageSource, Publisher
from shared.observability import Metrics
from shared.settings import Settings


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    @property
    def publisher(self) -> Publisher: ...
    def source(self, group: str, topic_names: Sequence[str]) -> MessageSource: ...
    def dead_letters(self, topic: str, cursor_group: str) -> DeadLetterLog:
        """The DLQ topic read from a replay cursor (open it with `async with`)."""
    async def ping(self) -> None: ...


class InProcessTransport:
    name = "in-process"

    def __init__(self) -> None:
        self.broker = InProcessBroker()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    @property
    def publisher(self) -> Publisher:
        return self.broker

    def source(self, group: str, topic_names: Sequence[str]) -> MessageSource:
        return self.broker.source(group, topic_names)

    def dead_letters(self, topic: str, cursor_group: str) -> DeadLetterLog:
        return self.broker.dead_letters(topic, cursor_group)

    async def ping(self) -> None:
        return None


class KafkaTransport:
    name = "kafka"

    def __init__(self, settings: Settings, metrics: Metrics):
        assert settings.kafka_bootstrap
        self._settings = settings
        self._bootstrap = settings.kafka_bootstrap
        self._metrics = metrics
        self._publisher = KafkaPublisher(self._bootstrap)

    async def start(self) -> None:
        s = self._settings
        await ensure_topics(self._bootstrap, [s.topic(t) for t in topics.ALL], s.kafka_partitions)
        await self._publisher.start()

    async def stop(self) -> None:
        await self._publisher.stop()

    @property
    def publisher(self) -> Publisher:
        return self._publisher

    def source(self, group: str, topic_names: Sequence[str]) -> MessageSource:
        return KafkaSource(self._bootstrap, group, topic_names, self._metrics)

    def dead_letters(self, topic: str, cursor_group: str) -> DeadLetterLog:
        return KafkaDeadLetterLog(self._bootstrap, topic, cursor_group)

    async def ping(self) -> None:
        await self._publisher.ping()


def make_transport(settings: Settings, metrics: Metrics) -> Transport:
    return KafkaTransport(settings, metrics) if settings.kafka_mode else InProcessTransport()
