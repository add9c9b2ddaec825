"""A running process's resources: database, transport, metrics, token secret, and its workers.

`Runtime.open(settings)` is the one place settings turn into live objects; services receive a
Runtime and never build their own engine or broker connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.clock import Clock, SystemClock
from shared.db import make_engine, make_session_factory
from shared.events import topics
from shared.log_throttle import ThrottledLog
from shared.messaging import dead_letters
from shared.messaging.backoff import Backoff
from shared.messaging.consumer import ConsumerHealth, ConsumerLoop
from shared.messaging.dead_letters import ReplayFilter, ReplayReport
from shared.messaging.dispatch import EventDispatcher, Handlers
from shared.messaging.relay import OutboxRelay
from shared.observability import Metrics
from shared.settings import Settings
from shared.transport import Transport, make_transport
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of one service: the topics it reads and a handler per event model."""

    group: str
    topics: tuple[str, ...]
    handlers: Handlers


def dead_letter_log(settings: Settings, transport: Transport) -> dead_letters.DeadLetterLog:
    """The DLQ from the replay cursor of this environment (open with `async with`)."""
    return transport.dead_letters(settings.topic(topics.DLQ), settings.topic(dead_letters.CURSOR_GROUP))


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    transport: Transport
    metrics: Metrics
    jwt_secret: str
    clock: Clock = field(default_factory=SystemClock)
    # Per consumer group, kept across restarts of its worker: /readyz lists the groups waiting out a failure.
    consumer_health: dict[str, ConsumerHealth] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def open(
        cls, settings: Settings, *, transport: Transport | None = None, clock: Clock | None = None,
    ) -> Runtime:
        if not settings.database_url:
            raise RuntimeError("M2C_DATABASE_URL is not set (the embedded mode sets it after starting PostgreSQL)")
        metrics = Metrics()
        engine = make_engine(settings.database_url)
        transport = transport or make_transport(settings, metrics)
        await transport.start()
        return cls(settings, engine, make_session_factory(engine), transport, metrics,
                   settings.resolved_jwt_secret(), clock or SystemClock())

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.settings.topic, self.clock)

    def consumer_loop(self, spec: ConsumerSpec) -> ConsumerLoop:
        s = self.settings
        dispatcher = EventDispatcher(spec.group, spec.handlers, self.uow)
        # The prefix that isolates environments on one cluster applies to consumer groups too.
        source = self.transport.source(s.topic(spec.group), [s.topic(t) for t in spec.topics])
        health = self.consumer_health.setdefault(spec.group, ConsumerHealth())
        return ConsumerLoop(spec.group, source, dispatcher, self.transport.publisher, self.metrics,
                            dlq_topic=s.topic(topics.DLQ), max_attempts=s.consumer_max_attempts,
                            backoff=Backoff(s.consumer_retry_base_s, s.consumer_retry_max_s), health=health)

    def dead_letters(self) -> dead_letters.DeadLetterLog:
        return dead_letter_log(self.settings, self.transport)

    async def replay_dead_letters(self, which: ReplayFilter) -> ReplayReport:
        async with self.dead_letters() as letters:
            report = await dead_letters.replay(letters, self.transport.publisher, which,
                                               prefix=self.settings.topic_prefix)
            await dead_letters.measure(letters, self.metrics)
        return report

    def relay(self) -> OutboxRelay:
        s = self.settings
        return OutboxRelay(self.session_factory, self.transport.publisher, self.metrics,
                           batch_size=s.relay_batch_size, idle_s=s.relay_idle_s,
                           retention_h=s.outbox_retention_h, dead_letter_log=self.dead_letters,
                           dlq_measure_s=s.dlq_measure_s)

    def spawn(self, name: str, work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run a background worker until close(); a crash is logged and the worker restarted."""

        crashes = ThrottledLog(log)  # a worker that cannot start while the broker is away: not a line a second

        async def supervised() -> None:
            while not self._stop.is_set():
                try:
                    await work(self._stop)
                except Exception as exc:
                    crashes.log(logging.ERROR, (name, type(exc)), "worker %s crashed; restarting in 1 s", name,
                                exc_info=True)
                    await asyncio.sleep(1)

        self._tasks.append(asyncio.create_task(supervised(), name=name))

    def start_consumers(self, specs: Sequence[ConsumerSpec]) -> None:
        for spec in specs:
            # A fresh loop (and Kafka consumer) on every restart of the worker.
            self.spawn(f"consumer:{spec.group}", self._consumer_work(spec))

    def _consumer_work(self, spec: ConsumerSpec) -> Callable[[asyncio.Event], Awaitable[None]]:
        async def work(stop: asyncio.Event) -> None:
            await self.consumer_loop(spec).run(stop)

        return work

    async def close(self) -> None:
        self._stop.set()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
        await self.transport.stop()
        await self.engine.dispose()
