"""HTTP bodies of audit tickets."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.events.audit import TicketAction, TicketReason, TicketState
from shared.validation import Period, Timestamp, UnitCode


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    period: Period | None = None
    reason: TicketReason = "manual"
    detail: str = Field(min_length=1, max_length=4000)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: TicketAction
    version: int | None = Field(None, ge=1, description="Expected current version; 409 when the ticket moved on")
    note: str | None = Field(None, max_length=4000)
    findings: str | None = Field(None, max_length=8000, description="Required by report")
    root_cause: str | None = Field(None, max_length=4000)
    rectification: str | None = Field(None, max_length=4000, description="Rectification and its evidence")
    accountability_decision: str | None = Field(None, max_length=4000)


class HistoryOut(BaseModel):
    version: int
    action: str
    from_state: str | None
    to_state: str
    actor: str
    at: Timestamp
    due_at: Timestamp | None
    details: dict[str, Any]


class EscalationOut(BaseModel):
    deadline_seq: int
    level: int
    repeat: int = Field(0, description="0 for levels 1..cap; r for the r-th repeat of the capped level")
    state: str
    due_at: Timestamp
    escalated_at: Timestamp


class PendingDeadline(BaseModel):
    start: Timestamp = Field(description="The moment the stage began (Asia/Shanghai)")
    working_days: int


class TicketOut(BaseModel):
    id: uuid.UUID
    unit: str
    period: str | None
    reason: str
    detail: str
    state: TicketState
    raised_by: str
    raised_at: Timestamp
    due_at: Timestamp | None = Field(description="Deadline of the current stage: end of a working day, Asia/Shanghai")
    overdue: bool
    escalation_level: int = Field(description="Highest escalation level reached for the current deadline")
    escalation_repeat: int = Field(0, description="Repeats of the capped level for the current deadline")
    deadline_pending: PendingDeadline | None = Field(None, description=(
        "Set when the current stage's deadline needs a calendar year not loaded yet; computed when it is"))
    version: int
    findings: str | None
    root_cause: str | None
    rectification: str | None
    accountability_decision: str | None
    updated_at: Timestamp | None


class TicketDetail(TicketOut):
    history: list[HistoryOut]
    escalations: list[EscalationOut]


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None


class SlaPolicyIO(BaseModel):
    """Working days per waiting state, the escalation cap and repeat, the calendar check date."""

    model_config = ConfigDict(extra="forbid")

    coordinate_days: int = Field(ge=1, le=60, description="issued → coordinate (paper: 1)")
    receive_days: int = Field(ge=1, le=60, description="coordinated → receive (default 1; the paper gives none)")
    report_days: int = Field(ge=1, le=60, description="received/investigating → report, from receipt (paper: 5)")
    review_days: int = Field(ge=1, le=60, description="reported → close or reopen (default 5; the paper gives none)")
    escalation_cap: int = Field(ge=1, le=100, description="Highest escalation level")
    repeat_every_days: int = Field(ge=1, le=60, description="Working days between repeats of the capped level")
    calendar_check_from: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
                                     description="MM-DD from which next year's missing calendar is reported daily")
