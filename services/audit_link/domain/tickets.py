"""Audit work tickets (稽核工作传单), DESIGN §4.5: states, who may move them, and their deadlines.

issued ─coordinate→ coordinated ─receive→ received ─start_investigation→ investigating ─report→
reported ─close→ closed; reopen from reported/closed → investigating. Every state that waits on
someone has a deadline, the end of the N-th working day after the ticket entered it, N from the
`SlaPolicy` (received and investigating share the report deadline set at receipt; a reopen gives
a fresh one). A deadline that needs a year without calendar data is *pending*: the ticket keeps
when and for how many working days it was set, and gets the deadline once that year is loaded.
Pure: the calendar, the policy and the time are passed in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import get_args

from services.audit_link.domain.sla_policy import SlaPolicy
from shared.calendar import CalendarData, CalendarMissing, deadline_after
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.events.audit import TicketState
from shared.labels import TICKET_ACTION_ZH, TICKET_STATE_ZH, zh

OPEN_STATES: tuple[TicketState, ...] = tuple(s for s in get_args(TicketState) if s != "closed")


@dataclass(frozen=True)
class Rule:
    from_states: tuple[TicketState, ...]
    to_state: TicketState
    roles: tuple[str, ...]


RULES: dict[str, Rule] = {
    "coordinate": Rule(("issued",), "coordinated", ("marketing",)),
    "receive": Rule(("coordinated",), "received", ("audit_center",)),
    "start_investigation": Rule(("received",), "investigating", ("audit_center",)),
    "report": Rule(("investigating",), "reported", ("audit_center",)),
    "close": Rule(("reported",), "closed", ("customer_service",)),
    "reopen": Rule(("reported", "closed"), "investigating", ("customer_service",)),
}
ISSUE_ROLES = ("customer_service",)
SUPER_ROLE = "admin"  # may do everything


class TicketForbidden(Forbidden):
    """The caller's roles do not allow the action (403)."""


class InvalidTransition(Conflict):
    """The action does not apply to the ticket's current state (409)."""


class MissingFacts(InvalidInput):
    """The action needs facts the ticket does not have yet (422); `fields` names them."""

    default_title = "缺少必填信息"

    def __init__(self, fields: list[str]):
        super().__init__(f"执行此操作前须填写：{', '.join(fields)}",
                         errors=[{"field": f"body.{f}", "message": "必填"} for f in fields])
        self.fields = fields


@dataclass(frozen=True)
class Ticket:
    id: uuid.UUID
    unit: str
    period: str | None
    reason: str
    detail: str
    state: TicketState
    raised_by: str
    raised_at: datetime
    due_at: datetime | None
    version: int = 1
    deadline_seq: int = 1  # grows whenever a new deadline is set: escalations count per deadline
    escalation_level: int = 0
    next_escalation_at: datetime | None = None
    escalation_repeat: int = 0  # repeats of the capped level for the current deadline
    # A deadline waiting for a calendar year: counted `due_pending_days` working days from this moment.
    due_pending_from: datetime | None = None
    due_pending_days: int | None = None
    findings: str | None = None
    root_cause: str | None = None
    rectification: str | None = None
    accountability_decision: str | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state != "closed"


@dataclass(frozen=True)
class Facts:
    """What a caller may record with a transition."""

    note: str | None = None
    findings: str | None = None
    root_cause: str | None = None
    rectification: str | None = None
    accountability_decision: str | None = None


def may(roles: frozenset[str], allowed: tuple[str, ...]) -> bool:
    return SUPER_ROLE in roles or bool(roles & set(allowed))


def issue(*, unit: str, period: str | None, reason: str, detail: str, raised_by: str, now: datetime,
          cal: CalendarData, policy: SlaPolicy = SlaPolicy()) -> Ticket:
    """A new ticket, due at the end of the `coordinate_days`-th working day after `now` (pending
    when that needs a year the calendar does not have yet)."""
    t = Ticket(uuid.uuid4(), unit, period, reason, detail.strip(), "issued", raised_by, now, None, updated_at=now)
    return _with_deadline(t, cal, now, policy.coordinate_days, new=False)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def transition(ticket: Ticket, action: str, *, roles: frozenset[str], facts: Facts, now: datetime,
               cal: CalendarData, policy: SlaPolicy = SlaPolicy()) -> Ticket:
    rule = RULES.get(action)
    if rule is None:
        raise InvalidTransition(f"未知操作 {action}")
    if not may(roles, rule.roles):
        raise TicketForbidden(f"{zh(TICKET_ACTION_ZH, action)}（{action}）需要以下角色之一："
                              f"{', '.join(rule.roles + (SUPER_ROLE,))}")
    if ticket.state not in rule.from_states:
        raise InvalidTransition(f"传单{zh(TICKET_STATE_ZH, ticket.state)}（{ticket.state}），"
                                f"不能{zh(TICKET_ACTION_ZH, action)}（{action}）")
    t = replace(
        ticket, state=rule.to_state, version=ticket.version + 1, updated_at=now,
        findings=_clean(facts.findings) or ticket.findings,
        root_cause=_clean(facts.root_cause) or ticket.root_cause,
        rectification=_clean(facts.rectification) or ticket.rectification,
        accountability_decision=_clean(facts.accountability_decision) or ticket.accountability_decision,
    )
    if action == "report":
        _require(t, ["findings"])
    if action == "close":
        _require(t, ["root_cause", "rectification", "accountability_decision"])
    if action == "start_investigation":
        return t  # the report deadline set at receipt runs on (pending or not)
    days = policy.days_for(t.state)
    if days is None:  # closed: nobody owes anything
        return replace(t, due_at=None, deadline_seq=t.deadline_seq + 1, escalation_level=0, escalation_repeat=0,
                       next_escalation_at=None, due_pending_from=None, due_pending_days=None)
    return _with_deadline(t, cal, now, days, new=True)


def _with_deadline(t: Ticket, cal: CalendarData, start: datetime, days: int, *, new: bool) -> Ticket:
    """`t` with the deadline `days` working days after `start` (a new deadline_seq when `new`), or
    with that deadline pending when the calendar lacks a year it needs."""
    try:
        due: datetime | None = deadline_after(cal, start, days)
        pending_from, pending_days = None, None
    except CalendarMissing:
        due, pending_from, pending_days = None, start, days
    return replace(t, due_at=due, deadline_seq=t.deadline_seq + (1 if new else 0), escalation_level=0,
                   escalation_repeat=0, next_escalation_at=due, due_pending_from=pending_from,
                   due_pending_days=pending_days)


def settle_pending(t: Ticket, cal: CalendarData, now: datetime) -> Ticket | None:
    """The ticket with its pending deadline computed, or None while the calendar still lacks a year.
    The deadline keeps its deadline_seq: it is the one set at the transition, only now known."""
    if t.due_pending_from is None or t.due_pending_days is None or not t.is_open:
        return None
    try:
        due = deadline_after(cal, t.due_pending_from, t.due_pending_days)
    except CalendarMissing:
        return None
    return replace(t, due_at=due, next_escalation_at=due, escalation_level=0, escalation_repeat=0,
                   due_pending_from=None, due_pending_days=None, version=t.version + 1, updated_at=now)


def _require(t: Ticket, names: list[str]) -> None:
    missing = [n for n in names if not getattr(t, n)]
    if missing:
        raise MissingFacts(missing)
