"""Working-day arithmetic over the official Chinese calendar (data from the chinesecalendar package)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from chinese_calendar import constants

from shared.calendar import (
    CalendarData,
    CalendarMissing,
    add_working_days,
    deadline_after,
    is_working_day,
    working_days_between,
)


@pytest.fixture(scope="module")
def cal() -> CalendarData:
    years = {d.year for d in constants.holidays}
    return CalendarData.of(years, constants.holidays, constants.workdays)


@pytest.mark.parametrize(("start", "days", "due"), [
    # Spring Festival 2026: Sat 14 Feb is a make-up working day, 15–23 Feb off, Sat 28 Feb on.
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 14), 1, date(2026, 2, 24)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 27), 1, date(2026, 2, 28)),
    # National Day 2025: 1–8 Oct off, Sat 11 Oct on.
    (date(2025, 9, 30), 1, date(2025, 10, 9)),
    (date(2025, 9, 30), 3, date(2025, 10, 11)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Sun 28 Sep 2025 is a make-up working day
    # National Day 2026: 1–7 Oct off, Sat 10 Oct on.
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 10, 9), 1, date(2026, 10, 10)),
    # Plain weeks: strictly after the start; weekends skipped.
    (date(2026, 3, 6), 1, date(2026, 3, 9)),
    (date(2026, 3, 2), 5, date(2026, 3, 9)),
    (date(2026, 3, 7), 1, date(2026, 3, 9)),
    (date(2026, 3, 2), 0, date(2026, 3, 2)),
])
def test_add_working_days(cal: CalendarData, start: date, days: int, due: date) -> None:
    assert add_working_days(cal, start, days) == due


def test_make_up_saturday_and_weekday_holiday(cal: CalendarData) -> None:
    assert is_working_day(cal, date(2026, 2, 14))  # Saturday, make-up
    assert not is_working_day(cal, date(2026, 2, 16))  # Monday, Spring Festival
    assert not is_working_day(cal, date(2026, 3, 7))  # ordinary Saturday
    assert is_working_day(cal, date(2026, 3, 9))


def test_year_without_data_is_an_error_never_a_guess(cal: CalendarData) -> None:
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(cal, date(2027, 3, 1), 1)
    assert exc.value.year == 2027 and "2027" in str(exc.value)
    with pytest.raises(CalendarMissing):  # a covered start whose deadline runs into the next year
        add_working_days(cal, date(2026, 12, 30), 5)
    with pytest.raises(CalendarMissing):
        is_working_day(cal, date(2030, 1, 2))


def test_a_gap_between_covered_years_is_no_shortcut() -> None:
    gappy = CalendarData.of({2024, 2026})
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(gappy, date(2024, 12, 30), 5)
    assert exc.value.year == 2025


def test_working_days_between_is_exclusive(cal: CalendarData) -> None:
    assert working_days_between(cal, date(2025, 9, 30), date(2025, 10, 9)) == 0
    assert working_days_between(cal, date(2025, 9, 30), date(2025, 10, 10)) == 1
    assert working_days_between(cal, date(2026, 3, 6), date(2026, 3, 6)) == 0


def test_deadline_is_end_of_day_in_shanghai(cal: CalendarData) -> None:
    # 2025-09-30 17:00 UTC is already 1 Oct in Shanghai: the count starts from 1 Oct.
    assert deadline_after(cal, datetime(2025, 9, 30, 15, 0, tzinfo=UTC), 1).isoformat() == \
        "2025-10-09T23:59:59+08:00"
    assert deadline_after(cal, datetime(2026, 2, 13, 2, 0, tzinfo=UTC), 1).isoformat() == \
        "2026-02-14T23:59:59+08:00"
