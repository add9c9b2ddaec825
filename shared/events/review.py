"""Events produced by bill_review on m2c.review.v1 (电费发行前审核)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.events.audit import ErrorCategory, ErrorNature
from shared.events.common import Period, UnitCode
from shared.events.envelope import EventPayload

ReviewRule = Literal["reading_reversed", "kwh_mismatch", "tou_sum", "zero_kwh", "surge", "drop",
                     "tariff_category", "amount_mismatch", "multiplier_changed"]


class BillReviewCompleted(EventPayload):
    """A unit's bills of a period were screened by the rule set (one event per unit and run).

    A snapshot: a later event for the same (period, unit) — a re-run — supersedes the earlier one, so a
    consumer sets its counters from it (it does not add them up)."""

    run_id: uuid.UUID
    period: Period
    unit: UnitCode
    rule_set_version: int = Field(ge=1)
    bills: int = Field(ge=0, description="Bills of the unit and period that were reviewed")
    suspects: int = Field(ge=0, description="Suspects the rules raised in this run (one per bill and rule)")
    by_rule: dict[str, int] = Field(description="Suspects raised per rule code (rules that raised none absent)")
    suspect_bills: int = Field(ge=0, description="Distinct bills with at least one suspect")
    open: int = Field(ge=0, description="Suspects still to be decided after the run")
    confirmed: int = Field(ge=0, description="Suspects confirmed as errors so far (kept across re-runs)")
    cleared: int = Field(ge=0, description="Suspects cleared with a reason so far (kept across re-runs)")
    reviewed_at: datetime


class ReviewSuspectConfirmed(EventPayload):
    """A reviewer confirmed a suspect bill as a billing error: audit_link registers it (error_id makes
    that once-only) with `bills_affected`."""

    suspect_id: int
    error_id: uuid.UUID = Field(description="The id audit_link gives the registered error")
    period: Period
    unit: UnitCode
    bill_id: str
    customer_no: str
    rule: ReviewRule
    category: ErrorCategory
    nature: ErrorNature
    amount: Decimal = Field(description="Signed yuan: over-billed positive, under-billed negative")
    description: str
    bills_affected: int = Field(1, ge=1)
    confirmed_by: str
    confirmed_at: datetime


class ReviewSuspectCleared(EventPayload):
    """A reviewer cleared a suspect bill (not an error), with the reason."""

    suspect_id: int
    period: Period
    unit: UnitCode
    bill_id: str
    rule: ReviewRule
    reason: str
    cleared_by: str
    cleared_at: datetime
