"""Commands enterprise systems send on m2c.intake.v1."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from shared.events.audit import ErrorCategory, ErrorNature
from shared.events.common import Period, UnitCode
from shared.events.envelope import EventPayload


class ReportError(EventPayload):
    unit: UnitCode
    period: Period
    category: ErrorCategory
    nature: ErrorNature
    amount: Decimal
    description: str = Field(min_length=1)
    customer_no: str | None = None
    evidence: str | None = None
    reporter: str


class ReportAnomaly(EventPayload):
    anomaly_id: str = Field(min_length=1, description="The upstream system's id of the anomaly")
    unit: UnitCode
    period: Period
    kind: str
    customer_no: str | None = None
    detected_on: date
    due_on: date


class RectifyAnomaly(EventPayload):
    anomaly_id: str = Field(min_length=1)
    rectified_on: date


class RecordPayment(EventPayload):
    payment_id: str = Field(min_length=1, description="Upstream id; a payment is recorded once")
    customer_no: str = Field(min_length=1)
    unit: UnitCode
    period: Period = Field(description="The billing month the payment settles")
    amount: Decimal
    paid_at: datetime
    channel: str | None = None
    bill_id: uuid.UUID | str | None = None
