"""The outbox relay: publishes committed outbox rows and marks them sent.

The relay sleeps between empty rounds, but a commit into the outbox wakes it at once: migration
0018's trigger NOTIFies channel `m2c_outbox` and the relay LISTENs on a connection of its own
(polling every `idle_s` stays as the fallback, e.g. while that connection is re-established).

Rows are claimed with FOR UPDATE SKIP LOCKED and marked in the same statement, inside a
transaction that stays open until the publish is acknowledged (a failed publish rolls the mark
back), so any number of relays can run side by side without sending a row
twice in the normal case; a relay that dies mid-batch leaves its rows unmarked, and the next
relay round sends them again (consumers de-duplicate by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import rowcount
from shared.log_throttle import ThrottledLog
from shared.messaging import dead_letters
from shared.messaging.backoff import Backoff
from shared.messaging.failures import describe, is_transient
from shared.messaging.heap import freeze_startup_objects
from shared.messaging.message import OutboundMessage
from shared.messaging.pg_wake import PgWake
from shared.messaging.ports import Publisher
from shared.observability import Metrics

log = logging.getLogger(__name__)

CHANNEL = "m2c_outbox"  # NOTIFY'd by a trigger (migration 0018) when outbox rows are committed
LISTEN_RETRY_S = 5.0

# Claimed and marked in one statement (the transaction stays open until the publish is
# acknowledged, so a failed publish rolls the mark back): one round trip less per round, and no
# separate row-lock record per row before the update that follows anyway.
_CLAIM = text(
    "WITH claimed AS (SELECT id FROM m2c_outbox WHERE published_at IS NULL ORDER BY id LIMIT :limit"
    " FOR UPDATE SKIP LOCKED)"
    " UPDATE m2c_outbox AS o SET published_at = now() FROM claimed WHERE o.id = claimed.id"
    " RETURNING o.id, o.event_type, o.topic, o.key, o.payload::text AS payload, o.headers"
)
_PURGE = text("DELETE FROM m2c_outbox WHERE published_at < now() - make_interval(hours => :hours)")
_LAG = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)"
    " FROM m2c_outbox WHERE published_at IS NULL"
)


class OutboxRelay:
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], publisher: Publisher, metrics: Metrics,
        *, batch_size: int = 500, idle_s: float = 0.2, retention_h: float = 168.0,
        dead_letter_log: Callable[[], dead_letters.DeadLetterLog] | None = None, dlq_measure_s: float = 30.0,
        backoff: Backoff | None = None,
    ):
        self._session_factory = session_factory
        self._publisher = publisher
        self._metrics = metrics
        self._batch_size = batch_size
        self._idle_s = idle_s
        self._retention_h = retention_h
        # The relay runs wherever the backbone is watched from, so it also exports the DLQ gauges.
        self._dead_letter_log = dead_letter_log
        self._dlq_measure_s = dlq_measure_s
        self._dlq_measured_at = float("-inf")
        self._backoff = backoff or Backoff(cap_s=5.0)  # one cheap query per round: come back soon
        self._throttled = ThrottledLog(log)
        self._wake = PgWake(session_factory.kw.get("bind"), CHANNEL, retry_s=LISTEN_RETRY_S)

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        async with self._session_factory() as session, session.begin():
            # RETURNING keeps no order: the rows go out in outbox order (per key, as they were written).
            rows = sorted((await session.execute(_CLAIM, {"limit": self._batch_size})).all(), key=lambda r: r.id)
            if not rows:
                return 0
            await self._publisher.publish([
                OutboundMessage(
                    topic=row.topic, key=row.key,
                    value=row.payload.encode(),  # the stored JSON text, never re-encoded
                    headers=row.headers or {},
                )
                for row in rows
            ])
        for (topic, event_type), count in Counter((row.topic, row.event_type) for row in rows).items():
            self._metrics.events_produced.labels(topic, event_type).inc(count)
        return len(rows)

    async def measure_lag(self) -> None:
        async with self._session_factory() as session:
            count, age = (await session.execute(_LAG)).one()
        self._metrics.outbox_lag.set(count)
        self._metrics.outbox_oldest_age.set(float(age))

    async def purge_published(self) -> int:
        """Drop rows published longer ago than the retention (kept meanwhile for audits and replays)."""
        async with self._session_factory() as session, session.begin():
            return rowcount(await session.execute(_PURGE, {"hours": self._retention_h}))

    async def measure_dead_letters(self) -> None:
        if self._dead_letter_log is None:
            return
        self._dlq_measured_at = time.monotonic()
        try:
            async with asyncio.timeout(max(10.0, self._dlq_measure_s)), self._dead_letter_log() as letters:
                await dead_letters.measure(letters, self._metrics)
        except Exception as exc:
            self._throttled.log(logging.WARNING, "dlq", "could not measure the DLQ: %s", describe(exc))

    async def run(self, stop: asyncio.Event) -> None:
        freeze_startup_objects()
        rounds = 0
        delays = self._backoff.delays()
        failing_since: float | None = None
        # Measured beside the relaying, never in its way (a broker slow to answer offset requests).
        measuring: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                pause = self._idle_s
                try:
                    await self._wake.arm()  # what commits from now on wakes the next pause
                    sent = await self.relay_once()
                    rounds += 1
                    if rounds % 50 == 1 or not sent:
                        await self.measure_lag()
                    if rounds % 5000 == 1:
                        await self.purge_published()
                    if failing_since is not None:
                        log.info("outbox relay resumed after %.1f s of failures", time.monotonic() - failing_since)
                        failing_since = None
                        delays = self._backoff.delays()
                except Exception as exc:
                    # The database or the broker is away: back off, and say so once in a while, not every round.
                    transient = is_transient(exc)
                    self._throttled.log(logging.WARNING if transient else logging.ERROR, ("round", type(exc)),
                                        "outbox relay round failed; retrying: %s", describe(exc),
                                        exc_info=not transient)
                    sent = 0
                    pause = max(pause, next(delays))
                    failing_since = failing_since or time.monotonic()
                due = time.monotonic() - self._dlq_measured_at >= self._dlq_measure_s
                if self._dead_letter_log is not None and due and (measuring is None or measuring.done()):
                    measuring = asyncio.create_task(self.measure_dead_letters())
                if not sent and failing_since is None:
                    await self._wake.pause(stop, pause)
                elif not sent:  # failing: back off, whatever wakes
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)
        finally:
            await self._wake.close()
            if measuring is not None:
                measuring.cancel()
                await asyncio.gather(measuring, return_exceptions=True)
