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
# What an alert counts as for notification and listing: its state, with `suppressed` for a firing
# alert that a silence or an inhibition holds down (services/alerts/domain/status.py).
AlertStatus = Literal["firing", "suppressed", "acknowledged", "resolved"]
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


class GroupedAlert(EventPayload):
    """One alert as a group notification lists it."""

    alert_id: uuid.UUID
    fingerprint: str
    type: str
    unit: UnitCode
    severity: Severity
    state: AlertState
    status: AlertStatus = Field(
        description="The one definition of firing: state firing, not silenced, not inhibited")
    summary: str
    labels: dict[str, str] = Field(default_factory=dict)
    count: int
    first_seen: datetime
    last_seen: datetime


class GroupEscalation(EventPayload):
    policy_id: uuid.UUID
    policy_name: str
    level: int = Field(ge=1)
    round: int = Field(ge=1)


class AlertGroupNotified(EventPayload):
    """What a Kafka-channel subscription is told, grouped the way a webhook subscription's deliveries
    are (group_by, group_wait, group_interval, repeat_interval, send_resolved; docs/alerts.md §2):
    one message per group look that has something to say, or per escalation level notified."""

    notification_id: uuid.UUID = Field(description="Unique per notification: deduplicate on it")
    subscription_id: uuid.UUID
    subscription_name: str
    change: Literal["firing", "repeat", "resolved", "escalated"]
    status: Literal["firing", "resolved"]
    group_key: str = Field(description="The group's labels as canonical JSON")
    group_labels: dict[str, str] = Field(description="The group_by labels and their values")
    count: int = Field(ge=0, description="Firing alerts of the group (resolved ones for change=resolved)")
    counts: dict[str, int] = Field(default_factory=dict, description="Members per status")
    truncated: int = Field(0, ge=0, description="How many of `count` are not listed in `alerts`")
    link: str = Field(description="The alert list filtered to the group (API path)")
    alerts: list[GroupedAlert] = Field(description="The first N alerts (critical first)")
    escalation: GroupEscalation | None = Field(None, description="Set when change=escalated")
    notified_at: datetime
