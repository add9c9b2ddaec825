"""Working-day arithmetic over the official Chinese calendar (pure: the day data is passed in).

Weekends are off, listed public holidays are off, listed make-up working days (调休, usually a
Saturday or Sunday) are on. The data only counts for the years it covers: asking about a date in
any other year raises `CalendarMissing` — never a weekends-only guess.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import overload
from zoneinfo import ZoneInfo

from shared.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


class CalendarMissing(InvalidInput):
    """A date falls in a year the calendar has no official schedule for (422 naming `field`)."""

    default_title = "缺少工作日历"

    def __init__(self, year: int, field: str = "now"):
        message = f"{year} 年工作日历（节假日安排）尚未导入，请先导入该年的官方安排"
        super().__init__(f"{message} (PUT /api/v1/calendar/years/{year})",
                         errors=[{"field": field, "message": message}])
        self.year = year


@dataclass(frozen=True)
class CalendarData:
    """The official schedule of some years: holidays (days off) and make-up working days."""

    years: frozenset[int]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, years: Iterable[int], holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> CalendarData:
        return cls(frozenset(years), frozenset(holidays), frozenset(workdays))

    @cached_property
    def _working_ordinals(self) -> list[int]:
        """Ordinals of every working day of every covered year, sorted (for counting by bisection)."""
        out: list[int] = []
        for year in sorted(self.years):
            d = date(year, 1, 1)
            while d.year == year:
                if _is_working(self, d):
                    out.append(d.toordinal())
                d += timedelta(days=1)
        return out


def _is_working(cal: CalendarData, day: date) -> bool:
    if day in cal.workdays:
        return True
    return day.weekday() < 5 and day not in cal.holidays


def _require_years(cal: CalendarData, first: int, last: int) -> None:
    for year in range(first, last + 1):
        if year not in cal.years:
            raise CalendarMissing(year)


def is_working_day(cal: CalendarData, day: date) -> bool:
    _require_years(cal, day.year, day.year)
    return _is_working(cal, day)


def add_working_days(cal: CalendarData, start: date, days: int) -> date:
    """The `days`-th working day strictly after `start` (`start` itself when days == 0)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    _require_years(cal, start.year, start.year)
    if days == 0:
        return start
    ords = cal._working_ordinals
    index = bisect_right(ords, start.toordinal()) + days - 1
    if index >= len(ords):
        raise CalendarMissing(max(cal.years) + 1)
    due = date.fromordinal(ords[index])
    _require_years(cal, start.year, due.year)  # a gap in the covered years is no shortcut
    return due


def working_days_between(cal: CalendarData, after: date, before: date) -> int:
    """Working days d with after < d < before."""
    if before <= after:
        return 0
    _require_years(cal, after.year, before.year)
    ords = cal._working_ordinals
    return max(0, bisect_left(ords, before.toordinal()) - bisect_right(ords, after.toordinal()))


def local_date(moment: datetime) -> date:
    """The date of an aware moment in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The deadline that a date stands for: its last second in Asia/Shanghai."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def deadline_after(cal: CalendarData, moment: datetime, days: int) -> datetime:
    """End of the `days`-th working day after the date of `moment` (Asia/Shanghai)."""
    return end_of_day(add_working_days(cal, local_date(moment), days))


@overload
def in_shanghai(moment: datetime) -> datetime: ...
@overload
def in_shanghai(moment: None) -> None: ...
def in_shanghai(moment: datetime | None) -> datetime | None:
    """The same instant shown in Asia/Shanghai (how deadlines are presented)."""
    return moment.astimezone(SHANGHAI) if moment is not None else None
