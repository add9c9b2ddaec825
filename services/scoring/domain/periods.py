"""Billing periods (YYYY-MM) as calendar ranges."""

from __future__ import annotations

import calendar
from datetime import date


def bounds(period: str) -> tuple[date, date]:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
