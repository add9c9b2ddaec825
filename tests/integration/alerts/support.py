"""Helpers of the alerts integration tests: publish real events, read rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from shared.events.audit import TicketEscalated
from shared.events.envelope import EventPayload
from shared.runtime import Runtime
from shared.testing.plugin import token

ADMIN = token("admin")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def publish(runtime: Runtime, payload: EventPayload, subject: str) -> None:
    async with runtime.uow() as uow:
        uow.emit(payload, subject=subject)
        await uow.commit()


def escalated(ticket_id: uuid.UUID, unit: str = "QY-QC-01", level: int = 1) -> TicketEscalated:
    return TicketEscalated(ticket_id=ticket_id, unit=unit, state="issued", level=level, due_at=NOW,
                           escalated_at=NOW)


async def rows(runtime: Runtime, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with runtime.session_factory() as s:
        return [dict(r) for r in (await s.execute(text(sql), params)).mappings()]
