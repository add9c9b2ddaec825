"""Ticket states, roles, deadlines and escalation levels (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from chinese_calendar import constants

from services.audit_link.domain import sla
from services.audit_link.domain.tickets import (
    RULES,
    Facts,
    InvalidTransition,
    MissingFacts,
    TicketForbidden,
    issue,
    transition,
)
from shared.calendar import CalendarData

CAL = CalendarData.of({d.year for d in constants.holidays}, constants.holidays, constants.workdays)
ISSUED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
ROLE_OF = {"coordinate": "marketing", "receive": "audit_center", "start_investigation": "audit_center",
           "report": "audit_center", "close": "customer_service", "reopen": "customer_service"}
PATH = ["coordinate", "receive", "start_investigation", "report", "close"]
FULL = Facts(findings="f", root_cause="rc", rectification="fixed", accountability_decision="warned")


def _ticket_at(action: str):
    t = issue(unit="QY-QC-01", period="2026-02", reason="low_score", detail="d", raised_by="cs", now=ISSUED_AT, cal=CAL)
    for step in PATH[:PATH.index(action)] if action in PATH else PATH:
        facts = FULL if step == "close" else Facts(findings="f")
        t = transition(t, step, roles=frozenset({ROLE_OF[step]}), facts=facts, now=ISSUED_AT, cal=CAL)
    return t


def test_issue_is_due_end_of_first_working_day() -> None:
    t = issue(unit="QY-QC-01", period=None, reason="manual", detail=" d ", raised_by="cs",
              now=datetime(2026, 2, 13, 1, tzinfo=UTC), cal=CAL)
    assert t.due_at is not None and t.due_at.isoformat() == "2026-02-14T23:59:59+08:00"
    assert (t.state, t.version, t.next_escalation_at, t.detail) == ("issued", 1, t.due_at, "d")


@pytest.mark.parametrize("action", list(ROLE_OF))
def test_each_action_checks_the_role(action: str) -> None:
    t = _ticket_at(action)
    for role in ("station", "viewer", "marketing", "audit_center", "customer_service"):
        roles = frozenset({role})
        if role == ROLE_OF[action]:
            continue
        with pytest.raises(TicketForbidden):
            transition(t, action, roles=roles, facts=FULL, now=ISSUED_AT, cal=CAL)
    moved = transition(t, action, roles=frozenset({ROLE_OF[action]}), facts=FULL, now=ISSUED_AT, cal=CAL)
    assert moved.state == RULES[action].to_state and moved.version == t.version + 1
    assert transition(t, action, roles=frozenset({"admin"}), facts=FULL, now=ISSUED_AT, cal=CAL).state == moved.state


def test_report_due_five_working_days_after_receipt() -> None:
    t = _ticket_at("receive")
    received = transition(t, "receive", roles=frozenset({"audit_center"}), facts=Facts(),
                          now=datetime(2025, 9, 29, 3, tzinfo=UTC), cal=CAL)
    # 30 Sep, 9, 10, 11 (make-up Saturday), 13 Oct
    assert received.due_at is not None
    assert received.due_at.isoformat() == "2025-10-13T23:59:59+08:00"
    investigating = transition(received, "start_investigation", roles=frozenset({"audit_center"}), facts=Facts(),
                               now=ISSUED_AT, cal=CAL)
    assert investigating.due_at == received.due_at and investigating.deadline_seq == received.deadline_seq


def test_wrong_state_is_invalid() -> None:
    t = _ticket_at("coordinate")
    with pytest.raises(InvalidTransition):
        transition(t, "report", roles=frozenset({"admin"}), facts=FULL, now=ISSUED_AT, cal=CAL)


def test_close_needs_root_cause_rectification_and_decision() -> None:
    t = _ticket_at("report")
    reported = transition(t, "report", roles=frozenset({"audit_center"}), facts=Facts(findings="meter swapped"),
                          now=ISSUED_AT, cal=CAL)
    with pytest.raises(MissingFacts) as exc:
        transition(reported, "close", roles=frozenset({"customer_service"}), facts=Facts(root_cause="x"),
                   now=ISSUED_AT, cal=CAL)
    assert exc.value.fields == ["rectification", "accountability_decision"]
    with pytest.raises(MissingFacts):
        transition(replace(t, findings=None), "report", roles=frozenset({"audit_center"}), facts=Facts(),
                   now=ISSUED_AT, cal=CAL)


def test_reopen_gives_a_fresh_deadline() -> None:
    closed = _ticket_at("reopen")
    assert closed.state == "closed" and closed.due_at is None and closed.next_escalation_at is None
    reopened = transition(closed, "reopen", roles=frozenset({"customer_service"}), facts=Facts(),
                          now=ISSUED_AT, cal=CAL)
    assert reopened.due_at is not None
    assert reopened.state == "investigating" and reopened.due_at.isoformat() == "2026-03-09T23:59:59+08:00"
    assert reopened.deadline_seq > closed.deadline_seq and reopened.escalation_level == 0


def test_escalation_levels_follow_working_days() -> None:
    due = datetime.fromisoformat("2025-09-30T23:59:59+08:00")  # Tue; 1–8 Oct holidays
    at = lambda s: datetime.fromisoformat(s)  # noqa: E731
    assert sla.level_at(CAL, due, at("2025-09-30T23:00:00+08:00")) == 0
    assert sla.level_at(CAL, due, at("2025-10-01T00:00:00+08:00")) == 1
    assert sla.level_at(CAL, due, at("2025-10-09T12:00:00+08:00")) == 1  # holidays do not count
    assert sla.level_at(CAL, due, at("2025-10-10T00:00:01+08:00")) == 2
    assert sla.level_at(CAL, due, at("2025-10-12T09:00:00+08:00")) == 4  # 9, 10, 11 (make-up Sat) elapsed
    assert sla.next_escalation_at(CAL, due, 0) == due
    assert sla.next_escalation_at(CAL, due, 1).isoformat() == "2025-10-09T23:59:59+08:00"
    assert sla.next_escalation_at(CAL, due, 3).isoformat() == "2025-10-11T23:59:59+08:00"


def test_levels_stop_at_the_cap_then_repeat_every_interval() -> None:
    from services.audit_link.domain.sla_policy import SlaPolicy

    policy = SlaPolicy(escalation_cap=3, repeat_every_days=5)
    due = datetime.fromisoformat("2026-03-02T23:59:59+08:00")  # Mon; no holidays for weeks
    steps = {}
    for day in range(3, 31):
        now = datetime.fromisoformat(f"2026-03-{day:02d}T09:00:00+08:00")
        steps[day] = sla.split(policy, sla.level_at(CAL, due, now, policy))
    assert steps[3] == (1, 0) and steps[4] == (2, 0) and steps[5] == (3, 0)
    assert steps[6] == steps[9] == steps[11] == (3, 0)  # 3..6 working days elapsed: still the cap
    assert steps[12] == (3, 1)  # 3–6, 9–11 Mar: 7 elapsed = cap - 1 + 5, the first repeat
    assert steps[18] == (3, 1) and steps[19] == (3, 2)  # every 5 working days
    # the next step falls due at the end of the day its working days have elapsed
    assert sla.next_escalation_at(CAL, due, 3, policy).isoformat() == "2026-03-11T23:59:59+08:00"
    assert sla.next_escalation_at(CAL, due, 4, policy).isoformat() == "2026-03-18T23:59:59+08:00"


def test_every_waiting_state_gets_a_deadline_and_a_missing_year_makes_it_pending() -> None:
    t = _ticket_at("coordinate")
    coordinated = transition(t, "coordinate", roles=frozenset({"marketing"}), facts=Facts(), now=ISSUED_AT, cal=CAL)
    assert coordinated.due_at is not None and coordinated.due_at.isoformat() == "2026-03-03T23:59:59+08:00"
    reported = _ticket_at("close")
    assert reported.state == "reported" and reported.due_at is not None
    late = datetime.fromisoformat("2026-12-31T10:00:00+08:00")
    pending = transition(t, "coordinate", roles=frozenset({"marketing"}), facts=Facts(), now=late,
                         cal=CalendarData.of({2026}, constants.holidays, constants.workdays))
    assert pending.due_at is None and (pending.due_pending_from, pending.due_pending_days) == (late, 1)
    assert pending.deadline_seq == t.deadline_seq + 1
    from services.audit_link.domain.tickets import settle_pending

    assert settle_pending(pending, CalendarData.of({2026}, constants.holidays), late) is None
    done = settle_pending(pending, CalendarData.of({2026, 2027}, constants.holidays), late)
    assert done is not None and done.due_at is not None
    assert done is not None and done.due_at.isoformat() == "2027-01-01T23:59:59+08:00"  # no 2027 holidays given
    assert done.deadline_seq == pending.deadline_seq and done.version == pending.version + 1
