"""Transport-neutral messages: what the relay sends and what a consumer receives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutboundMessage:
    topic: str
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
