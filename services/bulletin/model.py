"""What a bulletin says, independent of how it is rendered (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from services.bulletin.review import ReviewSection


@dataclass(frozen=True)
class RankedUnit:
    unit: str
    name: str
    parent: str | None
    parent_name: str | None
    score: float | None
    rank: int | None
    light: str | None
    change: float | None  # score − last month's score (None when either is missing)
    stages: tuple[float | None, ...]
    status: str | None = None  # complete | incomplete (None: scoring did not say, older runs)
    missing: tuple[str, ...] = ()  # what an incomplete unit's figure lacks

    @property
    def incomplete(self) -> bool:
        return self.status == "incomplete"


@dataclass(frozen=True)
class LightRow:
    unit: str
    name: str
    level: str
    light: str
    recovery_rate: float | None
    previous_years_rate: float | None
    arrears_progress: float | None


@dataclass(frozen=True)
class PointLoss:
    unit: str
    name: str
    indicator: str
    score: float | None
    points_lost: float


@dataclass(frozen=True)
class ErrorTally:
    key: str | None
    count: int
    amount: Decimal  # Σ|amount|, yuan


@dataclass(frozen=True)
class TicketRow:
    unit: str
    name: str
    reason: str
    state: str
    due_at: datetime | None
    escalation_level: int


@dataclass(frozen=True)
class TicketSummary:
    opened: int
    closed: int
    overdue: int
    by_state: tuple[tuple[str, int], ...]
    overdue_items: tuple[TicketRow, ...]


@dataclass(frozen=True)
class AlertRow:
    severity: str
    state: str
    status: str  # firing | suppressed | acknowledged | resolved: alerts' one definition (its API says)
    unit: str
    name: str
    summary: str
    last_seen: datetime
    count: int


LIGHT_KEYS = ("green", "yellow", "red", "none")  # "none": no recovery facts that month (shown grey)


@dataclass(frozen=True)
class TopUnit:
    """The unit a bulletin is about: the caller's highest visible unit (the city for a bureau-wide
    reader, the county for a county's). Its own score and its own recovery rate (county and city:
    Σcollected / Σreceivable of their stations, from scoring), never one of its children's."""

    unit: str
    name: str
    level: str
    score: float | None
    rank: int | None
    status: str | None
    missing: tuple[str, ...]
    light: str | None
    recovery_rate: float | None
    recovery_target: float

    @property
    def recovery_met(self) -> bool | None:
        return None if self.recovery_rate is None else self.recovery_rate >= self.recovery_target


@dataclass(frozen=True)
class LevelLights:
    """How many units of one level have each recovery light; `none` = no facts, counted apart."""

    level: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class AlertCounts:
    """告警中 as alerts' GET /api/v1/alerts/summary counts it (the one definition of firing), for the
    reader's subtrees, at `at` (a snapshot when the bulletin was made, not a monthly total)."""

    firing: int
    suppressed: int
    firing_by_severity: tuple[tuple[str, int], ...]
    definition: str  # in Chinese, as the alerts service states it
    at: datetime

    @property
    def firing_critical(self) -> int:
        return dict(self.firing_by_severity).get("critical", 0)


@dataclass(frozen=True)
class Headline:
    top: tuple[TopUnit, ...]
    recovery_target: float
    stations_ranked: int  # complete stations with a score
    stations_incomplete: int
    lights: tuple[LevelLights, ...]  # per level below the top unit(s), highest first
    errors: int
    errors_amount: Decimal
    tickets_opened: int
    tickets_overdue: int
    alerts: AlertCounts

    @property
    def alerts_firing(self) -> int:
        return self.alerts.firing


@dataclass(frozen=True)
class Bulletin:
    period: str
    previous_period: str
    generated_at: datetime
    scope: tuple[str, ...]  # the caller's unit subtrees; empty = the whole bureau
    revision: int | None  # None: the period has not been scored
    scheme: str | None
    stage_names: tuple[str, ...]
    headline: Headline
    counties: tuple[RankedUnit, ...]
    stations: tuple[RankedUnit, ...]
    lights: tuple[LightRow, ...]
    losses: tuple[PointLoss, ...]
    errors_by_category: tuple[ErrorTally, ...]
    errors_by_level: tuple[ErrorTally, ...]
    tickets: TicketSummary
    alerts: tuple[AlertRow, ...]
    notes: tuple[str, ...] = field(default=())
    review: ReviewSection | None = None  # bill review before release (None: no unit reviewed this month)
