"""Escalation of overdue tickets (pure): level 1 once the deadline passes, then one more level at
the end of every further working day overdue. A deadline is the end of a working day in
Asia/Shanghai, so level k+1 is due at the end of the k-th working day after the due date."""

from __future__ import annotations

from datetime import datetime

from shared.calendar import CalendarData, add_working_days, end_of_day, local_date, working_days_between


def level_at(cal: CalendarData, due_at: datetime, now: datetime) -> int:
    """0 while not overdue; else 1 + working days wholly elapsed after the due date."""
    if now <= due_at:
        return 0
    return 1 + working_days_between(cal, local_date(due_at), local_date(now))


def next_escalation_at(cal: CalendarData, due_at: datetime, level: int) -> datetime:
    """When level `level + 1` falls due."""
    if level == 0:
        return due_at
    return end_of_day(add_working_days(cal, local_date(due_at), level))


class Escalator:
    """level_at / next_escalation_at for many tickets at one `now`, memoised per due date (a scan
    meets thousands of tickets but few distinct due dates)."""

    def __init__(self, cal: CalendarData, now: datetime):
        self._cal, self._now, self._today = cal, now, local_date(now)
        self._elapsed: dict = {}
        self._next: dict = {}

    def level(self, due_at: datetime) -> int:
        if self._now <= due_at:
            return 0
        due_date = local_date(due_at)
        if due_date not in self._elapsed:
            self._elapsed[due_date] = working_days_between(self._cal, due_date, self._today)
        return 1 + self._elapsed[due_date]

    def next_at(self, due_at: datetime, level: int) -> datetime:
        if level == 0:
            return due_at
        key = (local_date(due_at), level)
        if key not in self._next:
            self._next[key] = end_of_day(add_working_days(self._cal, key[0], level))
        return self._next[key]
