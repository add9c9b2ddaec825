"""HTTP request/response bodies of audit_link."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.events.audit import ErrorCategory, ErrorNature
from shared.validation import Period, UnitCode, Yuan


class ErrorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    period: Period
    category: ErrorCategory
    nature: ErrorNature
    amount: Yuan = Field(description="Signed: over-billed positive, under-billed negative")
    description: str = Field(min_length=1, max_length=4000)
    customer_no: str | None = Field(None, max_length=64)


class ErrorOut(BaseModel):
    id: uuid.UUID
    unit: str
    period: str
    category: str
    nature: str
    amount: Yuan
    description: str
    customer_no: str | None
    reporter: str
    reported_at: datetime
    state: str
