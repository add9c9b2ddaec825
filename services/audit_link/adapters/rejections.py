"""Intake commands audit_link refused for what they say (audit_rejected_commands). Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import rejected_commands


async def record(session: AsyncSession, *, event_id: uuid.UUID, event_type: str, problems: list[dict[str, str]],
                 payload: dict[str, Any], at: datetime) -> None:
    await session.execute(insert(rejected_commands).values(
        event_id=event_id, event_type=event_type, problems=problems, payload=payload, rejected_at=at,
    ).on_conflict_do_nothing())
