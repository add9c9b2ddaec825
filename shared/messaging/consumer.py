"""The consumer loop: fetch, apply the batch in one transaction, then commit offsets.

A fetched batch is applied in one database transaction (dispatch_batch: one inbox claim for all,
one outbox insert, one commit); when a message's handler fails there, the ones before it are
committed, it is retried alone in its own transaction, then the batch goes on after it: one bad
message neither loses nor reorders the others' work.

Offsets are committed only after the database commit of every message before them, so a crash
replays messages (the inbox makes that harmless) and never skips one.

Failures follow one policy (shared/messaging/failures.py):
- transient (database or broker unreachable, serialization failure, deadlock, timeout): wait with
  jittered back-off and try again, without limit; nothing is committed past the message meanwhile
  and the consumer reports itself not ready;
- deterministic: a message that is not a valid event goes to the dead-letter topic at once; one
  whose handler keeps failing goes there after `max_attempts` attempts.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import ValidationError

from shared.events.envelope import Envelope, EventPayload, PoisonMessage, parse_envelope
from shared.log_throttle import ThrottledLog
from shared.messaging.backoff import Backoff
from shared.messaging.dispatch import EventDispatcher, ReceivedEvent
from shared.messaging.failures import describe, is_transient
from shared.messaging.heap import freeze_startup_objects
from shared.messaging.message import InboundMessage, OutboundMessage
from shared.messaging.ports import MessageSource, Publisher
from shared.observability import Metrics, set_correlation_id

log = logging.getLogger(__name__)
T = TypeVar("T")

# Why a message was dead-lettered: `poison` never parses (a replay changes nothing unless the
# consumer changed), `failed` passed parsing but its handler kept failing (replay after the fix).
POISON, FAILED = "poison", "failed"
PARTITIONS_AT_ONCE = 4  # partitions of one fetch applied side by side, each in its own transaction


def dead_letter(msg: InboundMessage, group: str, error: str, dlq_topic: str, *, reason: str = FAILED,
                ) -> OutboundMessage:
    try:
        original: object = json.loads(msg.value) if msg.value is not None else None
        encoding = "json"
    except (UnicodeDecodeError, json.JSONDecodeError):
        original = base64.b64encode(msg.value or b"").decode()
        encoding = "base64"
    body = {
        "topic": msg.topic, "partition": msg.partition, "offset": msg.offset, "key": msg.key,
        "consumer_group": group, "error": error, "reason": reason, "failed_at": datetime.now(UTC).isoformat(),
        "value_encoding": encoding, "value": original,
    }
    return OutboundMessage(
        topic=dlq_topic, key=msg.key, headers=msg.headers,
        value=json.dumps(body, ensure_ascii=False).encode(),
    )


def parse_message(raw: bytes | None) -> Envelope:
    """parse_envelope's envelope, parsed by pydantic's own JSON parser in one pass when the message
    is a valid envelope (the common case: about half the time of json.loads + model_validate); a
    message that parser refuses goes through parse_envelope, which decides and says why."""
    if raw is not None:
        with contextlib.suppress(ValidationError):
            return Envelope.model_validate_json(raw)
    return parse_envelope(raw)


@dataclass
class ConsumerHealth:
    """Whether a consumer group is making progress; /readyz reports the ones that are waiting."""

    waiting_since: float | None = None  # time.monotonic() of the first failure of the current wait
    reason: str | None = None

    @property
    def ready(self) -> bool:
        return self.waiting_since is None

    def waiting(self, reason: str) -> None:
        if self.waiting_since is None:
            self.waiting_since = time.monotonic()
        self.reason = reason

    def recovered(self) -> float | None:
        """Clear the wait; returns how long it lasted (None when there was none)."""
        if self.waiting_since is None:
            return None
        lasted = time.monotonic() - self.waiting_since
        self.waiting_since = self.reason = None
        return lasted


@dataclass(frozen=True)
class _Decoded:
    """A fetched message, parsed once: its event (None: no handler here) or why it is poison."""

    msg: InboundMessage
    event_type: str
    event: ReceivedEvent[EventPayload] | None
    poison: str | None


class Stopping(Exception):
    """The loop was asked to stop while waiting for a transient failure to pass."""


class ConsumerLoop:
    def __init__(
        self, group: str, source: MessageSource, dispatcher: EventDispatcher, dlq: Publisher, metrics: Metrics,
        *, dlq_topic: str, max_attempts: int = 3, retry_pause_s: float = 0.2,
        backoff: Backoff | None = None, health: ConsumerHealth | None = None,
        throttled: ThrottledLog | None = None,
    ):
        self.group = group
        self._source = source
        self._dispatcher = dispatcher
        self._dlq = dlq
        self._metrics = metrics
        self._dlq_topic = dlq_topic
        self._max_attempts = max_attempts
        self._retry_pause_s = retry_pause_s
        self._backoff = backoff or Backoff()
        self.health = health or ConsumerHealth()
        self._throttled = throttled or ThrottledLog(log)
        self._stop: asyncio.Event | None = None

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        freeze_startup_objects()
        await self._source.start()  # failing (the broker away), the supervisor retries with a fresh source
        try:
            delays = self._backoff.delays()
            while not stop.is_set():
                try:
                    await self.poll_once(timeout_s=0.5)
                    delays = self._backoff.delays()
                except Stopping:
                    break
                except Exception as exc:
                    # Fetching or committing failed (the broker is away, the group rebalanced): the
                    # messages not committed are fetched again.
                    self._throttled.log(logging.WARNING, ("batch", self.group, type(exc)),
                                        "consumer %s: batch failed, retrying: %s", self.group, describe(exc),
                                        exc_info=not is_transient(exc))
                    with contextlib.suppress(Stopping):
                        await self._pause(next(delays))
        finally:
            with contextlib.suppress(Exception):
                await self._source.stop()

    async def poll_once(self, timeout_s: float) -> int:
        batch = await self._source.fetch(timeout_s)
        # Partitions are independent orderings: each one's messages go through their own
        # transaction, side by side (one connection each), so the round trips of one overlap the
        # others' instead of adding up. Within a partition the order is kept.
        partitions: dict[tuple[str, int], list[_Decoded]] = {}
        for msg in batch:
            partitions.setdefault((msg.topic, msg.partition), []).append(self._decode(msg))
        groups = list(partitions.values())
        # At most a few at once: each holds a pooled connection the HTTP side also needs.
        slots = asyncio.Semaphore(PARTITIONS_AT_ONCE)

        async def apply(items: list[_Decoded]) -> tuple[int, Exception | None]:
            async with slots:
                return await self._apply_all(items)

        results = await asyncio.gather(*(apply(items) for items in groups))
        failures = [exc for _, exc in results if exc is not None]
        if failures:
            # Keep what was applied; everything after it is fetched again.
            applied = [item.msg for items, (done, _) in zip(groups, results, strict=True) for item in items[:done]]
            if applied:
                with contextlib.suppress(Exception):
                    await self._source.commit(applied)
            self._source.rewind([item.msg for items, (done, _) in zip(groups, results, strict=True)
                                 for item in items[done:]])
            raise next((e for e in failures if isinstance(e, Stopping)), failures[0])
        if batch:
            await self._source.commit(batch)
        return len(batch)

    async def _apply_all(self, items: Sequence[_Decoded]) -> tuple[int, Exception | None]:
        """Apply one partition's messages in order: (how many are done, the failure that stopped it)."""
        done = 0
        try:
            while done < len(items):
                done += await self._apply(items[done:])
        except Exception as exc:
            return done, exc
        return done, None

    def _decode(self, msg: InboundMessage) -> _Decoded:
        try:
            envelope = parse_message(msg.value)
        except PoisonMessage as exc:
            return _Decoded(msg, "unknown", None, str(exc))
        try:
            return _Decoded(msg, envelope.type, self._dispatcher.decode(envelope), None)
        except PoisonMessage as exc:
            return _Decoded(msg, envelope.type, None, str(exc))

    async def _apply(self, items: Sequence[_Decoded]) -> int:
        """Apply the leading messages of `items`; returns how many are done (at least one).

        The run up to the next poison message goes through the database as one transaction
        (dispatch_batch); a message whose handler fails there is retried alone, in order.
        """
        first = items[0]
        if first.poison is not None:
            set_correlation_id(first.msg.headers.get("correlation_id"))
            await self._dead_letter(first.msg, first.event_type, first.poison, POISON)
            return 1
        run: list[_Decoded] = []
        for item in items:
            if item.poison is not None:
                break
            run.append(item)
        events = [item for item in run if item.event is not None]
        received = [e for item in events if (e := item.event) is not None]  # the same, as events
        applied: list[str] = []
        failure: BaseException | None = None
        if events:
            applied, failure = await self._until_done(lambda: self._dispatcher.dispatch_batch(
                received,
                [item.msg.headers.get("correlation_id") for item in events]))
        # Counted per (type, outcome), one labels() lookup each: not one per message.
        self._count(Counter((item.event_type, outcome) for item, outcome in zip(events, applied, strict=False)))
        if failure is None:
            self._count(Counter((item.event_type, "ignored") for item in run if item.event is None))
            return len(run)
        failed = events[len(applied)]
        log.warning("consumer %s: %s %s failed (attempt 1/%d, in a batch; retrying it alone): %r", self.group,
                    failed.event_type, received[len(applied)].envelope.id, self._max_attempts, failure)
        position = run.index(failed)
        for item in run[:position]:
            if item.event is None:
                self._metrics.events_consumed.labels(self.group, item.event_type, "ignored").inc()
        if self._max_attempts > 1:
            await self._pause(self._retry_pause_s)
        await self._handle(failed.msg, tried=1, error=describe(failure))
        return position + 1

    def _count(self, outcomes: Counter[tuple[str, str]]) -> None:
        for (event_type, outcome), count in outcomes.items():
            self._metrics.events_consumed.labels(self.group, event_type, outcome).inc(count)

    async def _handle(self, msg: InboundMessage, *, tried: int = 0, error: str = "") -> None:
        """One message alone, in its own transaction, with attempts and dead-lettering (`tried`:
        attempts already made, in a batch)."""
        set_correlation_id(msg.headers.get("correlation_id"))
        event_type = "unknown"
        try:
            envelope = parse_message(msg.value)
            event_type = envelope.type
            event = self._dispatcher.decode(envelope)
        except PoisonMessage as exc:
            await self._dead_letter(msg, event_type, str(exc), POISON)
            return
        if event is None:
            self._metrics.events_consumed.labels(self.group, event_type, "ignored").inc()
            return
        for attempt in range(tried + 1, self._max_attempts + 1):
            try:
                outcome = await self._until_done(lambda: self._dispatcher.dispatch(event))
                self._metrics.events_consumed.labels(self.group, event_type, outcome).inc()
                return
            except Stopping:
                raise
            except Exception as exc:  # deterministic: a handler bug or data it cannot take
                log.warning("consumer %s: %s %s failed (attempt %d/%d): %r",
                            self.group, event_type, envelope.id, attempt, self._max_attempts, exc)
                error = describe(exc)
                if attempt < self._max_attempts:
                    await self._pause(self._retry_pause_s * attempt)
        await self._dead_letter(msg, event_type, error, FAILED)

    async def _until_done(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run the operation, waiting out transient failures however long they last."""
        delays = self._backoff.delays()
        while True:
            try:
                result = await operation()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self.health.waiting(describe(exc))
                self._throttled.log(logging.WARNING, ("transient", self.group),
                                    "consumer %s: waiting for a transient failure to pass: %s",
                                    self.group, describe(exc))
                await self._pause(next(delays))
                continue
            lasted = self.health.recovered()
            if lasted is not None:
                self._throttled.forget(("transient", self.group))
                log.info("consumer %s: resumed after %.1f s of transient failures", self.group, lasted)
            return result

    async def _pause(self, seconds: float) -> None:
        if self._stop is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        if self._stop.is_set():
            raise Stopping

    async def _dead_letter(self, msg: InboundMessage, event_type: str, error: str, reason: str) -> None:
        log.error("consumer %s: dead-lettering %s@%s/%s: %s", self.group, msg.topic, msg.partition, msg.offset, error)
        letter = dead_letter(msg, self.group, error, self._dlq_topic, reason=reason)
        await self._until_done(lambda: self._dlq.publish([letter]))
        self._metrics.events_consumed.labels(self.group, event_type, "dead_lettered").inc()
