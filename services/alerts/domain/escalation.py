"""Escalation policies, PagerDuty-style (pure): ordered levels, each notifying a set of subscriptions
when an alert has stayed unacknowledged for that level's working hours, counted on the official
working-day calendar; acknowledging (or resolving) stops the climb; after the last level the policy
starts over at level 1 until it has run `repeat_cap` rounds.

Working hours are 09:00–17:00 Asia/Shanghai on working days (weekends off, public holidays off,
make-up working days on). Level 1 counts from when the alert fired, each further level from the
notification of the level before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from shared.calendar import SHANGHAI, CalendarData, is_working_day

DAY_START = time(9, 0)
DAY_END = time(17, 0)


@dataclass(frozen=True)
class Level:
    after_working_hours: float
    subscription_ids: tuple[object, ...]
    org_levels_up: int | None = None  # also the subscriptions scoped to the unit this many levels up

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Level:
        return cls(stored["after_working_hours"], tuple(stored.get("subscription_ids") or ()),
                   stored.get("org_levels_up"))


def applicable(policies: Sequence[dict[str, Any]], alert_type: str, referenced: set[object]) -> list[dict[str, Any]]:
    """The policies an alert climbs: those naming its type and those its subscriptions name; a
    fallback policy (the default ticket policy) only when no other applies."""
    hits = [p for p in policies if alert_type in p["types"] or p["id"] in referenced]
    own = [p for p in hits if not p.get("fallback")]
    return own or hits


@dataclass(frozen=True)
class Step:
    """Where an escalation goes after notifying `notify_level` (1-based)."""

    notify_level: int
    level: int  # the level now notified (stored)
    round: int
    next_at: datetime | None  # None: exhausted (repeat cap reached)


def add_working_hours(cal: CalendarData, start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start` (raises CalendarMissing past the known years)."""
    remaining = timedelta(hours=hours)
    t = start.astimezone(SHANGHAI)
    while True:
        day = t.date()
        if is_working_day(cal, day):
            opens = datetime.combine(day, DAY_START, tzinfo=SHANGHAI)
            closes = datetime.combine(day, DAY_END, tzinfo=SHANGHAI)
            t = max(t, opens)
            if t < closes:
                if t + remaining <= closes:
                    return t + remaining
                remaining -= closes - t
        t = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)


def first_due(cal: CalendarData, levels: Sequence[Level], fired_at: datetime) -> datetime:
    return add_working_hours(cal, fired_at, levels[0].after_working_hours)


def step(cal: CalendarData, levels: Sequence[Level], *, level: int, round_: int, repeat_cap: int,
         now: datetime) -> Step:
    """Notify the level after `level` (0 = none yet) and say when the next one is due."""
    notify = level + 1
    nxt, rnd = notify + 1, round_
    if nxt > len(levels):
        nxt, rnd = 1, round_ + 1
    if rnd >= repeat_cap:
        return Step(notify, notify, rnd, None)
    return Step(notify, notify % len(levels) if nxt == 1 else notify, rnd,
                add_working_hours(cal, now, levels[nxt - 1].after_working_hours))
