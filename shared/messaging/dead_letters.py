"""Dead letters put back on their original topics, and the DLQ's size and age for the metrics.

A replay is safe because consumers are idempotent: the inbox gives a re-delivered event no second
effect, so a letter replayed twice, or one that another group had already applied, changes nothing.
Which letters are pending is kept by a replay cursor (committed offsets of a consumer group of its
own on the DLQ topic): a replay moves it past every letter it put back. Letters a filter leaves out
hold the cursor where they are, so a later replay still finds them.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from shared.messaging.consumer import POISON
from shared.messaging.message import InboundMessage, OutboundMessage
from shared.messaging.ports import Publisher
from shared.observability import Metrics

log = logging.getLogger(__name__)
CURSOR_GROUP = "m2c-dlq-replay"
REPLAYED_FROM_HEADER = "m2c_replayed_from"


class DeadLetterLog(Protocol):
    topic: str

    async def __aenter__(self) -> DeadLetterLog: ...
    async def __aexit__(self, *exc_info: object) -> None: ...
    async def pending(self) -> list[InboundMessage]: ...
    async def stats(self) -> tuple[int, datetime | None]: ...
    async def advance(self, offsets: dict[int, int]) -> None: ...


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    body: dict[str, Any]
    headers: dict[str, str]

    @classmethod
    def parse(cls, msg: InboundMessage) -> DeadLetter | None:
        try:
            body = json.loads(msg.value or b"")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(body, dict) or not {"topic", "value", "value_encoding"} <= body.keys():
            return None
        return cls(msg.partition, msg.offset, body, dict(msg.headers))

    @property
    def group(self) -> str | None:
        return self.body.get("consumer_group")

    @property
    def failed_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.body["failed_at"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def poison(self) -> bool:
        return self.body.get("reason") == POISON

    def original(self, dlq_topic: str) -> OutboundMessage:
        """The message as it was on its topic (JSON re-encoded: the same event, maybe other bytes)."""
        value = self.body["value"]
        if self.body["value_encoding"] == "base64":
            raw = base64.b64decode(value)
        else:
            raw = json.dumps(value, ensure_ascii=False).encode()
        headers = {**self.headers, REPLAYED_FROM_HEADER: f"{dlq_topic}/{self.partition}/{self.offset}"}
        return OutboundMessage(topic=self.body["topic"], key=self.body.get("key"), value=raw, headers=headers)


@dataclass(frozen=True)
class ReplayFilter:
    group: str | None = None  # the consumer group that dead-lettered it (with or without the topic prefix)
    since: datetime | None = None  # dead-lettered at or after
    include_poison: bool = False  # messages that never parsed: replaying them only helps after a consumer fix

    def admits(self, letter: DeadLetter, prefix: str = "") -> bool:
        if self.group and self.group not in (letter.group, f"{prefix}{letter.group}"):
            return False
        if self.since:
            since = self.since if self.since.tzinfo else self.since.replace(tzinfo=UTC)
            failed_at = letter.failed_at
            if failed_at is None or failed_at < since:
                return False
        return self.include_poison or not letter.poison


@dataclass
class ReplayReport:
    replayed: Counter[str] = field(default_factory=Counter)  # per original topic
    left: int = 0  # pending letters the filter left out
    poison_set_aside: int = 0  # letters of messages that never parsed, passed over for good
    unreadable: int = 0  # DLQ entries that are not m2c dead letters, passed over

    def as_dict(self) -> dict[str, Any]:
        return {"replayed": sum(self.replayed.values()), "by_topic": dict(self.replayed), "left": self.left,
                "poison_set_aside": self.poison_set_aside, "unreadable": self.unreadable}


async def replay(letters: DeadLetterLog, publisher: Publisher, which: ReplayFilter = ReplayFilter(), *,
                 prefix: str = "") -> ReplayReport:
    """Publish the pending letters `which` admits to their original topics; move the cursor past them.

    Poison letters (without `include_poison`) and unreadable entries are passed over for good when
    no other filter excludes them: replaying them cannot help, and they would hold the cursor forever.
    """
    report = ReplayReport()
    chosen: list[OutboundMessage] = []
    cursor: dict[int, int] = {}
    held: set[int] = set()  # partitions where a letter stays pending: the cursor stops there
    for msg in await letters.pending():
        letter = DeadLetter.parse(msg)
        if letter is None:
            report.unreadable += 1
        elif which.admits(letter, prefix):
            chosen.append(letter.original(letters.topic))
            report.replayed[letter.body["topic"]] += 1
        elif letter.poison and ReplayFilter(which.group, which.since, include_poison=True).admits(letter, prefix):
            report.poison_set_aside += 1
        else:
            report.left += 1
            held.add(msg.partition)
        if msg.partition not in held:
            cursor[msg.partition] = msg.offset + 1
    if chosen:
        await publisher.publish(chosen)
    # After the publish: a crash in between replays the same letters again, which the inbox absorbs.
    await letters.advance(cursor)
    log.info("replayed dead letters: %s", report.as_dict())
    return report


async def measure(letters: DeadLetterLog, metrics: Metrics, now: datetime | None = None) -> tuple[int, float]:
    """Set the DLQ gauges: letters pending (not replayed) and the age of the oldest one."""
    count, oldest = await letters.stats()
    age = ((now or datetime.now(UTC)) - oldest).total_seconds() if oldest else 0.0
    metrics.dlq_pending.set(count)
    metrics.dlq_oldest_age.set(max(0.0, age))
    return count, age


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (UTC when it has no offset) or a duration back from now: 90s, 30m, 6h, 2d."""
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    text = value.strip()
    if text[-1:] in units and text[:-1].replace(".", "", 1).isdigit():
        return (now or datetime.now(UTC)) - timedelta(**{units[text[-1]]: float(text[:-1])})
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def describe_report(report: ReplayReport) -> str:
    d = report.as_dict()
    topics = ", ".join(f"{t}: {n}" for t, n in sorted(d["by_topic"].items())) or "—"
    return (f"重放 {d['replayed']} 条死信 (replayed; {topics}); 未选中 {d['left']} (left pending); "
            f"毒消息搁置 {d['poison_set_aside']} (poison set aside); 无法读取 {d['unreadable']} (unreadable)")
