"""HTTP request/response bodies of audit_link's errors."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.audit import AccountabilityLevel, ErrorCategory, ErrorNature
from shared.validation import Period, Timestamp, UnitCode, Yuan


class ErrorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    period: Period
    category: ErrorCategory
    nature: ErrorNature
    amount: Yuan = Field(description="Signed: over-billed positive, under-billed negative")
    description: str = Field(min_length=1, max_length=4000)
    customer_no: str | None = Field(None, max_length=64)
    evidence: str | None = Field(None, max_length=4000, description="Where the proof is (documents, screenshots)")
    bills_affected: int = Field(1, ge=1, le=1_000_000, description=(
        "Bills the error touched (e.g. 误套电价 on n customers: n); what it adds to the unit's bills_erroneous"))


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
    reported_at: Timestamp
    state: str
    evidence: str | None = None
    points: int | None = None
    level: AccountabilityLevel | None = None
    occurrence: int | None = Field(None, description="n-th error of this unit and category in the window")
    root_cause: str | None = None
    prevention_measure: str | None = None
    accountability_decision: str | None = None
    closed_by: str | None = None
    closed_at: Timestamp | None = None
    version: int = 1
    bills_affected: int = 1


class ErrorPage(BaseModel):
    items: list[ErrorOut]
    next_cursor: str | None


class ErrorActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["root_cause", "rectify", "close"]
    root_cause: str | None = Field(None, max_length=4000)
    prevention_measure: str | None = Field(None, max_length=4000, description="防范措施")
    accountability_decision: str | None = Field(None, max_length=4000)
    version: int | None = Field(None, ge=1, description="Expected current version (409 when stale)")


class PolicyIO(BaseModel):
    """The accountability numbers (DESIGN §4.4)."""

    model_config = ConfigDict(extra="forbid")

    amount_bands: list[tuple[Decimal, int]] = Field(min_length=1, description="[upper bound (exclusive), points]")
    amount_top_points: int = Field(ge=0)
    nature_points: dict[ErrorNature, int]
    repetition_window_months: int = Field(ge=1, le=120)
    repetition_points: list[int] = Field(min_length=1, description="points of the 1st, 2nd, 3rd-and-later error")
    level_floors: list[tuple[AccountabilityLevel, int]] = Field(description="[level, lowest points], highest first")
