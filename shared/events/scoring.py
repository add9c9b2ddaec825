"""Events produced by scoring on m2c.scoring.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.common import Light, Period, UnitCode
from shared.events.envelope import EventPayload


class PublishedUnitScore(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: UnitCode
    level: str = Field(description="station | county | city")
    parent: UnitCode | None = None
    score: float | None = Field(None, description="0–100, 4 decimals; None when the unit had no data")
    rank: int | None = None
    stages: dict[str, float | None] = Field(default_factory=dict, description="stage code → stage score")
    red_indicators: list[str] = Field(
        default_factory=list, description="Indicators scored below the scheme's red line this period")
    light: Light | None = Field(None, description="Recovery light of the unit this period, if computed")
    status: Literal["complete", "incomplete"] = Field(
        "complete", description="incomplete: the scheme's required facts were missing; the unit is not ranked")
    missing: list[str] = Field(default_factory=list, description="What the unit's figure lacks (facts or units)")


class LightCause(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    measure: Literal["recovery_rate", "arrears_progress"]
    value: float
    green: float = Field(description="The scheme's green threshold")
    yellow: float = Field(description="The scheme's yellow threshold")
    grade: Light


class ScoresPublished(EventPayload):
    """A period was (re-)scored; revision grows with every re-score of the same period."""

    period: Period
    revision: int = Field(ge=1)
    scheme: str
    ticket_threshold: float = Field(80.0, description="Stations below this score should get a ticket")
    published_at: datetime
    units: list[PublishedUnitScore]


class RecoveryWarningIssued(EventPayload):
    """The fee-recovery light of one unit for one month (电费回收率红黄绿灯)."""

    unit: UnitCode
    period: Period
    light: Light
    recovery_rate: float | None = Field(None, description="Year-to-date Σcollected / Σreceivable")
    current_year_rate: float | None = None
    previous_years_rate: float | None = None
    arrears_progress: float | None = Field(None, description="Σarrears_recovered / cumulative target")
    thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
    issued_at: datetime
    level: str = Field("station", description="station | county | city")
    causes: list[LightCause] = Field(
        default_factory=list, description="Each measure below its green threshold: value vs target")
    message: str = Field("", description="The warning in Chinese: which measure failed and by how much")

