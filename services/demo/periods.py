"""The demo's months: the twelve up to the last complete month before `today`."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(period: str, n: int) -> str:
    y, m = int(period[:4]), int(period[5:7])
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def last_complete(today: date) -> str:
    return add_months(f"{today.year:04d}-{today.month:02d}", -1)


def months(today: date, count: int = 12) -> list[str]:
    """Oldest first."""
    last = last_complete(today)
    return [add_months(last, -i) for i in range(count - 1, -1, -1)]


def day(period: str, d: int) -> date:
    y, m = int(period[:4]), int(period[5:7])
    return date(y, m, min(d, calendar.monthrange(y, m)[1]))
