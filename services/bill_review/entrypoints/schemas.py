"""Request and response bodies of /api/v1/review (field names English, messages Chinese)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.audit import ErrorCategory, ErrorNature
from shared.events.review import ReviewRule
from shared.validation import Period, Timestamp, Yuan

Category = Literal["resident", "commercial", "industrial", "large_industrial", "agricultural"]
SuspectState = Literal["open", "confirmed", "cleared"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TariffIn(_Strict):
    code: str = Field(min_length=1, max_length=32)
    category: Category
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=4, description="Flat yuan per kWh")


class TariffsIn(_Strict):
    items: list[TariffIn] = Field(min_length=1)
    effective_from: Period | None = Field(None, description="First period the prices apply to (default: this month)")


class TariffOut(BaseModel):
    code: str
    category: Category
    price: Decimal
    effective_from: Period
    updated_by: str
    updated_at: Timestamp


class TariffsOut(BaseModel):
    period: Period = Field(description="The period these tariffs are in force for")
    items: list[TariffOut]


class RuleConfig(_Strict):
    enabled: bool | None = None
    severity: Literal["info", "warning", "critical"] | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)


class RulesIn(_Strict):
    rules: dict[str, RuleConfig] = Field(description="Rules to change; rules and thresholds not named stay as they are")
    effective_from: Period | None = Field(None, description="First period the version applies to (default: this month)")


class RuleSetVersionOut(BaseModel):
    version: int
    effective_from: Period
    created_by: str
    created_at: Timestamp


class RuleSetOut(BaseModel):
    version: int
    effective_from: Period
    rules: dict[str, Any]
    created_by: str
    created_at: Timestamp
    titles: dict[str, str] = Field(description="中文名称 of each rule")
    versions: list[RuleSetVersionOut] = Field(default_factory=list, description="Every version, oldest first")


class ImportOut(BaseModel):
    period: Period
    bills: int
    units: dict[str, int] = Field(description="unit → bills the file brought (they replaced that unit's bills)")
    encoding: str = Field(description="How the file was read: utf-8, utf-8-sig (BOM) or gb18030")


class RunOut(BaseModel):
    run_id: uuid.UUID
    period: Period
    rule_set_version: int
    bills: int
    suspects: int = Field(description="Suspects the rules raised in this run, one per bill and rule")
    by_rule: dict[str, int]
    units: int
    open: int
    confirmed: int
    cleared: int
    reviewed_at: Timestamp


class SuspectOut(BaseModel):
    id: int
    period: Period
    bill_id: str
    customer_no: str
    unit: str
    rule: ReviewRule
    severity: str
    message: str
    state: SuspectState
    rule_set_version: int
    raised_at: Timestamp
    decided_by: str | None = None
    decided_at: Timestamp | None = None
    decision: dict[str, Any] | None = None
    error_id: uuid.UUID | None = Field(None, description="The error audit_link registers for a confirmed suspect")


class SuspectPage(BaseModel):
    items: list[SuspectOut]
    next_cursor: str | None = None


class ConfirmIn(_Strict):
    nature: ErrorNature
    amount: Yuan = Field(description="Signed yuan: over-billed positive, under-billed negative")
    category: ErrorCategory | None = Field(None, description="Default: the rule's (reading, tariff, billing_parameter)")
    description: str | None = Field(None, min_length=1, max_length=2000, description="Default: from the suspect")
    bills_affected: int = Field(1, ge=1)


class ClearIn(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class UnitReadiness(BaseModel):
    unit: str
    bills: int
    imported_at: Timestamp
    reviewed_at: Timestamp | None = Field(description="Last run over the unit's current bills (null: not reviewed)")
    rule_set_version: int | None
    open: int
    confirmed: int
    cleared: int
    ready: bool = Field(description="Reviewed since the last import and nothing open")


class ReadinessCounts(BaseModel):
    stations: int = Field(description="Stations in the caller's scope (and under `unit`): what `ready` is out of")
    imported: int = Field(description="Of them, with bills for the period")
    reviewed: int = Field(description="Of them, reviewed since their last file")
    ready: int


class ReadinessOut(BaseModel):
    period: Period
    items: list[UnitReadiness] = Field(description="The units with bills for the period")
    not_imported: list[str] = Field(description="Stations without bills for the period (not ready either)")
    counts: ReadinessCounts


class RuleEffect(BaseModel):
    period: Period
    rule: str
    raised: int
    open: int
    confirmed: int
    cleared: int
    decided: int = Field(description="confirmed + cleared: what confirmed_share is based on")
    confirmed_share: float | None = Field(description="confirmed / decided; null while nothing is decided")
    misses: int | None = Field(None, description="Always null: a miss is a bill no rule flagged, so it belongs "
                                                 "to no rule — see periods[].misses")


class PeriodMisses(BaseModel):
    period: Period
    errors: int = Field(description="Errors audit_link registered for customers with a reviewed bill of the "
                                    "period and unit: what misses are based on")
    from_review: int = Field(description="Of them, registered from a confirmed suspect")
    misses: int = Field(description="Of them, errors for customers none of whose bills any rule flagged")


class EffectivenessOut(BaseModel):
    first: Period
    last: Period
    items: list[RuleEffect]
    periods: list[PeriodMisses] = Field(default_factory=list, description=(
        "Per period with reviewed units: the rules' misses (a period without review is absent: no data)"))
