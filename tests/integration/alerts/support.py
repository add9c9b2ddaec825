"""Helpers of the alerts integration tests: publish real events, read rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from shared.events.audit import TicketEscalated
from shared.events.envelope import EventPayload
from shared.runtime import Runtime
from shared.testing.plugin import token
from tests.helpers import SMALL_BUREAU_ORG

ADMIN = token("admin")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
# the small bureau plus a county of two stations: alerts records facts only for units that exist
ORG = [*SMALL_BUREAU_ORG,
       {"code": "QY-LS", "name": "连山县供电局", "level": "county", "parent": "QY"},
       {"code": "QY-LS-01", "name": "吉田供电所", "level": "station", "parent": "QY-LS", "area_type": "rural"},
       {"code": "QY-LS-02", "name": "太保供电所", "level": "station", "parent": "QY-LS", "area_type": "rural"}]


async def load_org(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN)
    assert r.status_code == 200, r.text


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
