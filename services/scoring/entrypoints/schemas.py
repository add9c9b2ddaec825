"""HTTP request/response bodies of scoring."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import Period, Timestamp, UnitCode

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2, description="Yuan")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrgUnitIn(_In):
    code: UnitCode
    name: str = Field(min_length=1, max_length=200)
    level: Literal["city", "county", "station"]
    parent: UnitCode | None = None
    area_type: Literal["urban", "rural"] | None = None


class OrgUnitsIn(_In):
    units: list[OrgUnitIn] = Field(min_length=1, max_length=20000)


class OrgUnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    area_type: str | None


class Per(_In):
    counter: str
    unit: float = Field(1, gt=0)


class RatioMeasure(_In):
    type: Literal["ratio"]
    numerator: str
    denominator: str
    per: Per | None = None


class CountMeasure(_In):
    type: Literal["count"]
    counter: str
    per: Per | None = None
    base: list[str] | None = Field(None, min_length=1, description=(
        "Counters (any one) whose presence shows the station's month was reported: then an unreported "
        "`counter` reads as 0 incidents; without any of them the indicator is no data. Default: the `per` "
        "counter, else the counter itself must be reported"))


class LinearRule(_In):
    type: Literal["linear"]
    direction: Literal["higher_better", "lower_better"]
    zero_at: float
    full_at: float


class DeductionRule(_In):
    type: Literal["deduction"]
    points_per_unit: float


class Band(_In):
    min: float
    score: float = Field(ge=0, le=100)


class BandsRule(_In):
    type: Literal["bands"]
    bands: list[Band] = Field(min_length=1)


class EfficacyRule(_In):
    type: Literal["efficacy"]
    satisfactory: float
    not_allowed: float


class IndicatorIn(_In):
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["assessment", "process"] = "assessment"
    weight: float = Field(gt=0, le=1)
    measure: Annotated[RatioMeasure | CountMeasure, Field(discriminator="type")]
    rule: Annotated[LinearRule | DeductionRule | BandsRule | EfficacyRule, Field(discriminator="type")]


class StageIn(_In):
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0, le=1)
    indicators: list[IndicatorIn] = Field(min_length=1)


class Thresholds(_In):
    green: float
    yellow: float


class LightsIn(_In):
    recovery_rate: Thresholds
    arrears_progress: Thresholds


class SchemeIn(_In):
    code: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    effective_from: Period
    stages: list[StageIn] = Field(min_length=1)
    lights: LightsIn | None = None
    red_below: float | None = Field(None, ge=0, le=100, description="Indicators below this score are red (60)")
    ticket_threshold: float | None = Field(None, ge=0, le=100, description="Stations below should get a ticket")
    required_facts: list[str] | None = Field(None, description=(
        "Counters a station must have reported for the month to be complete (default: the scheme's "
        "ratio denominators and per counters)"))
    incomplete_stations: Literal["exclude", "include"] | None = Field(None, description=(
        "exclude (default): incomplete stations are not ranked nor averaged into their county"))


class CounterRow(_In):
    unit: UnitCode
    counters: dict[str, Annotated[int, Field(ge=0)]]


class CountersIn(_In):
    batch_id: str = Field(min_length=1, max_length=200)
    rows: list[CounterRow] = Field(max_length=50000)


class RecoveryFactRow(_In):
    unit: UnitCode
    receivable: Money
    collected: Money
    arrears_recovered: Money = Decimal(0)


class RecoveryFactsIn(_In):
    rows: list[RecoveryFactRow] = Field(max_length=50000)


class RecoveryTaskRow(_In):
    unit: UnitCode
    arrears_carried_over: Money
    annual_target: Money
    profile: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, description="12 monthly shares summing to 1; even split when omitted")


class RecoveryTasksIn(_In):
    rows: list[RecoveryTaskRow] = Field(max_length=50000)


class ScoreItem(BaseModel):
    unit: str
    name: str
    level: str
    parent: str | None
    score: float | None
    rank: int | None
    light: str = Field(description="green | yellow | red, or none without recovery facts for the month")
    status: Literal["complete", "incomplete"] = "complete"
    missing: list[str] = Field(default_factory=list, description="station: required facts never reported; "
                                                                 "county/city: its incomplete units")
    stages: list[dict[str, Any]]
    no_data: list[str] = []


class ScoresOut(BaseModel):
    period: str
    revision: int
    scheme: str
    items: list[ScoreItem]


class RevisionOut(BaseModel):
    """One scoring run of a period (a revision of its scores)."""

    period: Period
    revision: int
    scheme: str
    created_by: str
    created_at: Timestamp
    idempotency_key: str | None
    allow_incomplete: bool


class RevisionsOut(BaseModel):
    period: Period
    items: list[RevisionOut]
