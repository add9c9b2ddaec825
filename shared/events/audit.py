"""Events produced by audit_link on m2c.audit.v1."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.events.common import Period, UnitCode
from shared.events.envelope import EventPayload

ErrorCategory = Literal["reading", "tariff", "billing_parameter", "collection", "other"]
ErrorNature = Literal["clerical", "negligence", "violation", "fraud"]
AccountabilityLevel = Literal["reminder", "notice", "assessment", "accountability"]
TicketState = Literal["issued", "coordinated", "received", "investigating", "reported", "closed"]
TicketAction = Literal["coordinate", "receive", "start_investigation", "report", "close", "reopen"]
TicketReason = Literal["low_score", "repeated_red_indicator", "unrectified_anomalies", "manual"]


class ErrorReported(EventPayload):
    """A billing error was recorded against a unit and period."""

    error_id: uuid.UUID
    unit: UnitCode
    period: Period
    category: ErrorCategory
    nature: ErrorNature
    amount: Decimal = Field(description="Signed yuan: over-billed positive, under-billed negative")
    description: str
    reporter: str
    reported_at: datetime
    level: AccountabilityLevel | None = Field(None, description="Accountability level, once graded")
    points: int | None = Field(None, description="Accountability points behind the level")
    customer_no: str | None = None
    bills_affected: int = Field(1, ge=1, description="Bills the error touched; what it adds to bills_erroneous")


class TicketRaised(EventPayload):
    """An audit work ticket (稽核工作传单) was issued for a unit."""

    ticket_id: uuid.UUID
    unit: UnitCode
    period: Period | None = None
    reason: TicketReason
    detail: str
    state: TicketState = "issued"
    raised_by: str
    raised_at: datetime
    due_at: datetime | None = Field(None, description="Deadline of the current stage")


class TicketTransitioned(EventPayload):
    ticket_id: uuid.UUID
    unit: UnitCode
    action: TicketAction
    from_state: TicketState
    to_state: TicketState
    actor: str
    at: datetime
    due_at: datetime | None = Field(None, description="Deadline of the stage just entered, if it has one")
    version: int


class TicketEscalated(EventPayload):
    """A ticket's stage deadline passed: level 1 at the deadline, +1 per further working day."""

    ticket_id: uuid.UUID
    unit: UnitCode
    state: TicketState = Field(description="The stage that is overdue")
    level: int = Field(ge=1)
    due_at: datetime
    escalated_at: datetime


class TicketClosed(EventPayload):
    ticket_id: uuid.UUID
    unit: UnitCode
    root_cause: str
    rectification: str
    accountability_decision: str
    closed_by: str
    closed_at: datetime


class CalendarYearMissing(EventPayload):
    """Next year's official working-day calendar is not loaded yet (checked from a configurable date);
    deadlines that fall into it stay pending until it is."""

    year: int = Field(description="The year without calendar data")
    checked_on: str = Field(description="The local date (Asia/Shanghai) of the check, YYYY-MM-DD")
    pending_deadlines: int = Field(0, ge=0, description="Ticket deadlines waiting for that year's data")
