"""The registry of event types: which model, topic, producer and schema version each one has."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from shared.events import topics
from shared.events.audit import ErrorReported
from shared.events.envelope import EventPayload


@dataclass(frozen=True)
class EventType:
    name: str
    model: type[EventPayload]
    topic: str
    source: str
    version: int = 1


def event_types() -> tuple[EventType, ...]:
    return (
        EventType("ErrorReported", ErrorReported, topics.AUDIT, "m2c/audit-link"),
    )


@cache
def by_name() -> dict[str, EventType]:
    return {t.name: t for t in event_types()}


@cache
def by_model() -> dict[type[EventPayload], EventType]:
    return {t.model: t for t in event_types()}
