"""HTTP bodies of the alerts service."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class AlertOut(BaseModel):
    id: uuid.UUID
    fingerprint: str
    type: str
    unit: str
    severity: str
    state: str
    summary: str
    labels: dict[str, str]
    first_seen: datetime
    last_seen: datetime
    count: int
    source_event_ids: list[str]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None
