"""What the relay and the consumer loop need from a transport."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.messaging.message import InboundMessage, OutboundMessage


class Publisher(Protocol):
    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Deliver every message durably, or raise."""


class MessageSource(Protocol):
    group: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def fetch(self, timeout_s: float) -> list[InboundMessage]:
        """The next messages of the subscribed topics (maybe none)."""

    async def commit(self, messages: Sequence[InboundMessage]) -> None:
        """Mark these messages done for the group, so they are not fetched again."""

    def rewind(self, messages: Sequence[InboundMessage]) -> None:
        """These fetched messages were not applied: fetch them again (nothing was committed for them)."""
