"""Escalation of overdue tickets (pure): level 1 once the deadline passes, then one more level at
the end of every further working day overdue, up to the policy's cap; from then on the cap level
repeats every `repeat_every_days` working days. A deadline is the end of a working day in
Asia/Shanghai, so step k+1 is due at the end of the k-th working day after the due date, where
steps 1..cap are levels 1..cap and step cap + r is the r-th repeat of the cap level, due after
cap - 1 + r × repeat_every_days working days."""

from __future__ import annotations

from datetime import date, datetime

from services.audit_link.domain.sla_policy import SlaPolicy
from shared.calendar import CalendarData, add_working_days, end_of_day, local_date, working_days_between

UNCAPPED = SlaPolicy(escalation_cap=10**6)


def split(policy: SlaPolicy, step: int) -> tuple[int, int]:
    """(level, repeat) of an escalation step; step 0 = not overdue."""
    if step <= policy.escalation_cap:
        return step, 0
    return policy.escalation_cap, step - policy.escalation_cap


def step_of(policy: SlaPolicy, elapsed: int) -> int:
    """The step reached after `elapsed` whole working days past the due date (overdue)."""
    raw = 1 + elapsed
    cap = policy.escalation_cap
    if raw <= cap:
        return raw
    return cap + (raw - cap) // policy.repeat_every_days


def days_to_step(policy: SlaPolicy, step: int) -> int:
    """Working days after the due date at whose end `step` falls due (step >= 2)."""
    cap = policy.escalation_cap
    if step <= cap:
        return step - 1
    return cap - 1 + (step - cap) * policy.repeat_every_days


def level_at(cal: CalendarData, due_at: datetime, now: datetime, policy: SlaPolicy = UNCAPPED) -> int:
    """0 while not overdue; else the escalation step reached (levels 1..cap, then repeats)."""
    if now <= due_at:
        return 0
    return step_of(policy, working_days_between(cal, local_date(due_at), local_date(now)))


def next_escalation_at(cal: CalendarData, due_at: datetime, step: int, policy: SlaPolicy = UNCAPPED) -> datetime:
    """When step `step + 1` falls due."""
    if step == 0:
        return due_at
    return end_of_day(add_working_days(cal, local_date(due_at), days_to_step(policy, step + 1)))


class Escalator:
    """level_at / next_escalation_at for many tickets at one `now`, memoised per due date (a scan
    meets thousands of tickets but few distinct due dates)."""

    def __init__(self, cal: CalendarData, now: datetime, policy: SlaPolicy):
        self._cal, self._now, self._today, self._policy = cal, now, local_date(now), policy
        self._elapsed: dict[date, int] = {}
        self._next: dict[tuple[date, int], datetime] = {}

    def step(self, due_at: datetime) -> int:
        if self._now <= due_at:
            return 0
        due_date = local_date(due_at)
        if due_date not in self._elapsed:
            self._elapsed[due_date] = working_days_between(self._cal, due_date, self._today)
        return step_of(self._policy, self._elapsed[due_date])

    def next_at(self, due_at: datetime, step: int) -> datetime:
        if step == 0:
            return due_at
        key = (local_date(due_at), step)
        if key not in self._next:
            self._next[key] = end_of_day(add_working_days(self._cal, key[0], days_to_step(self._policy, step + 1)))
        return self._next[key]
