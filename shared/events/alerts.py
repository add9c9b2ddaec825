"""Events produced by alerts on m2c.alerts.v1."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.events.common import Severity, UnitCode
from shared.events.envelope import EventPayload

AlertState = Literal["firing", "acknowledged", "resolved"]
Grade = Literal["AAA", "AA", "A", "B", "C"]


class _AlertChange(EventPayload):
    alert_id: uuid.UUID
    fingerprint: str
    type: str = Field(description="The event type the alert came from")
    unit: UnitCode
    severity: Severity
    state: AlertState
    summary: str
    labels: dict[str, str] = Field(default_factory=dict)
    count: int
    first_seen: datetime
    last_seen: datetime
    change: str | None = Field(None, description="raised | updated | resolved | acked")
    silenced: bool = Field(False, description="A silence matched: recorded, not notified")
    source_event_id: uuid.UUID | None = Field(None, description="The event behind this change, if any")
    acked_by: str | None = None
    subscriptions: list[str] = Field(
        default_factory=list, description="Ids of the Kafka-channel subscriptions this change is for")


class AlertRaised(_AlertChange):
    pass


class AlertUpdated(_AlertChange):
    pass


class AlertResolved(_AlertChange):
    pass


class ArrearsRiskDetected(EventPayload):
    customer_no: str
    unit: UnitCode
    grade: Grade
    score: float
    arrears: Decimal
    months_overdue: int
    measures: list[str] = Field(description="Recommended measures (缩短抄表周期, 预付费装置, …)")
    detected_at: datetime


class CreditGradeChanged(EventPayload):
    customer_no: str
    unit: UnitCode
    old_grade: Grade | None
    new_grade: Grade
    score: float
    reasons: list[str] = Field(default_factory=list)
    changed_at: datetime
