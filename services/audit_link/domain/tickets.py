"""Audit work tickets (稽核工作传单), DESIGN §4.5: states, who may move them, and their deadlines.

issued ─coordinate→ coordinated ─receive→ received ─start_investigation→ investigating ─report→
reported ─close→ closed; reopen from reported/closed → investigating. Deadlines: the issued stage
is due at the end of the 1st working day after issue (coordinate); from receipt the report is due
at the end of the 5th working day after receipt (received and investigating share it); a reopen
gives a fresh 5 working days. Pure: the calendar and the time are passed in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from shared.calendar import CalendarData, deadline_after

OPEN_STATES = ("issued", "coordinated", "received", "investigating", "reported")
COORDINATE_DAYS = 1
REPORT_DAYS = 5


@dataclass(frozen=True)
class Rule:
    from_states: tuple[str, ...]
    to_state: str
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


class TicketForbidden(Exception):
    """The caller's roles do not allow the action (403)."""


class InvalidTransition(Exception):
    """The action does not apply to the ticket's current state (409)."""


class MissingFacts(Exception):
    """The action needs facts the ticket does not have yet (422); `fields` names them."""

    def __init__(self, fields: list[str]):
        super().__init__(f"required before this action: {', '.join(fields)}")
        self.fields = fields


@dataclass(frozen=True)
class Ticket:
    id: uuid.UUID
    unit: str
    period: str | None
    reason: str
    detail: str
    state: str
    raised_by: str
    raised_at: datetime
    due_at: datetime | None
    version: int = 1
    deadline_seq: int = 1  # grows whenever a new deadline is set: escalations count per deadline
    escalation_level: int = 0
    next_escalation_at: datetime | None = None
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
          cal: CalendarData | None) -> Ticket:
    """A new ticket; due at the end of the 1st working day after `now`. With `cal` None (no calendar
    for that year yet) the ticket has no deadline rather than a guessed one."""
    due = deadline_after(cal, now, COORDINATE_DAYS) if cal is not None else None
    return Ticket(uuid.uuid4(), unit, period, reason, detail.strip(), "issued", raised_by, now, due,
                  next_escalation_at=due, updated_at=now)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def transition(ticket: Ticket, action: str, *, roles: frozenset[str], facts: Facts, now: datetime,
               cal: CalendarData) -> Ticket:
    rule = RULES.get(action)
    if rule is None:
        raise InvalidTransition(f"unknown action {action}")
    if not may(roles, rule.roles):
        raise TicketForbidden(f"{action} requires one of the roles: {', '.join(rule.roles + (SUPER_ROLE,))}")
    if ticket.state not in rule.from_states:
        raise InvalidTransition(f"cannot {action} a ticket that is {ticket.state}")
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
    if action in ("receive", "reopen"):
        return _new_deadline(t, deadline_after(cal, now, REPORT_DAYS))
    if action == "start_investigation":
        return t  # the report deadline set at receipt runs on
    return _new_deadline(t, None)  # coordinated, reported and closed carry no SLA


def _new_deadline(t: Ticket, due: datetime | None) -> Ticket:
    return replace(t, due_at=due, deadline_seq=t.deadline_seq + 1, escalation_level=0, next_escalation_at=due)


def _require(t: Ticket, names: list[str]) -> None:
    missing = [n for n in names if not getattr(t, n)]
    if missing:
        raise MissingFacts(missing)
