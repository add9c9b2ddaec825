"""The consumer loop: fetch, apply each message in its own transaction, then commit offsets.

Offsets are committed only after the database commit of every message in the batch, so a
crash replays messages (the inbox makes that harmless) and never skips one. A message that is
not a valid event, or whose handler keeps failing, goes to the dead-letter topic with the error.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import UTC, datetime

from shared.events.envelope import PoisonMessage, parse_envelope
from shared.messaging.dispatch import EventDispatcher
from shared.messaging.message import InboundMessage, OutboundMessage
from shared.messaging.ports import MessageSource, Publisher
from shared.observability import Metrics, set_correlation_id

log = logging.getLogger(__name__)


def dead_letter(msg: InboundMessage, group: str, error: str, dlq_topic: str) -> OutboundMessage:
    try:
        original: object = json.loads(msg.value) if msg.value is not None else None
        encoding = "json"
    except (UnicodeDecodeError, json.JSONDecodeError):
        original = base64.b64encode(msg.value or b"").decode()
        encoding = "base64"
    body = {
        "topic": msg.topic, "partition": msg.partition, "offset": msg.offset, "key": msg.key,
        "consumer_group": group, "error": error, "failed_at": datetime.now(UTC).isoformat(),
        "value_encoding": encoding, "value": original,
    }
    return OutboundMessage(
        topic=dlq_topic, key=msg.key, headers=msg.headers,
        value=json.dumps(body, ensure_ascii=False).encode(),
    )


class ConsumerLoop:
    def __init__(
        self, group: str, source: MessageSource, dispatcher: EventDispatcher, dlq: Publisher, metrics: Metrics,
        *, dlq_topic: str, max_attempts: int = 3, retry_pause_s: float = 0.2,
    ):
        self.group = group
        self._source = source
        self._dispatcher = dispatcher
        self._dlq = dlq
        self._metrics = metrics
        self._dlq_topic = dlq_topic
        self._max_attempts = max_attempts
        self._retry_pause_s = retry_pause_s

    async def run(self, stop: asyncio.Event) -> None:
        await self._source.start()
        try:
            while not stop.is_set():
                try:
                    await self.poll_once(timeout_s=0.5)
                except Exception:
                    # Nothing was committed for this batch: it is fetched again after a pause.
                    log.exception("consumer %s batch failed; retrying", self.group)
                    await asyncio.sleep(1)
        finally:
            await self._source.stop()

    async def poll_once(self, timeout_s: float) -> int:
        batch = await self._source.fetch(timeout_s)
        for msg in batch:
            await self._handle(msg)
        if batch:
            await self._source.commit(batch)
        return len(batch)

    async def _handle(self, msg: InboundMessage) -> None:
        set_correlation_id(msg.headers.get("correlation_id"))
        event_type = "unknown"
        try:
            envelope = parse_envelope(msg.value)
            event_type = envelope.type
            event = self._dispatcher.decode(envelope)
        except PoisonMessage as exc:
            await self._dead_letter(msg, event_type, str(exc))
            return
        if event is None:
            self._metrics.events_consumed.labels(self.group, event_type, "ignored").inc()
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                outcome = await self._dispatcher.dispatch(event)
                self._metrics.events_consumed.labels(self.group, event_type, outcome).inc()
                return
            except Exception as exc:  # a handler bug or a transient DB error: retry, then give up
                log.warning("consumer %s: %s %s failed (attempt %d/%d): %r",
                            self.group, event_type, envelope.id, attempt, self._max_attempts, exc)
                error = f"{type(exc).__name__}: {exc}"
                if attempt < self._max_attempts:
                    await asyncio.sleep(self._retry_pause_s * attempt)
        await self._dead_letter(msg, event_type, error)

    async def _dead_letter(self, msg: InboundMessage, event_type: str, error: str) -> None:
        log.error("consumer %s: dead-lettering %s@%s/%s: %s", self.group, msg.topic, msg.partition, msg.offset, error)
        await self._dlq.publish([dead_letter(msg, self.group, error, self._dlq_topic)])
        self._metrics.events_consumed.labels(self.group, event_type, "dead_lettered").inc()
