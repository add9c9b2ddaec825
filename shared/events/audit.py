"""Events produced by audit_link on m2c.audit.v1."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.events.envelope import EventPayload

ErrorCategory = Literal["reading", "tariff", "billing_parameter", "collection", "other"]
ErrorNature = Literal["clerical", "negligence", "violation", "fraud"]
AccountabilityLevel = Literal["reminder", "notice", "assessment", "accountability"]


class ErrorReported(EventPayload):
    """A billing error was recorded against a unit and period."""

    error_id: uuid.UUID
    unit: str = Field(description="Org-unit code, e.g. QY-QC-01")
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Billing month YYYY-MM")
    category: ErrorCategory
    nature: ErrorNature
    amount: Decimal = Field(description="Signed yuan: over-billed positive, under-billed negative")
    description: str
    reporter: str
    reported_at: datetime
    level: AccountabilityLevel | None = Field(None, description="Accountability level, once graded")
