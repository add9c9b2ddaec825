"""Moments in the demo's history, in Asia/Shanghai, never later than the real now."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.demo.periods import add_months, day

SHANGHAI = ZoneInfo("Asia/Shanghai")


def not_future(at: datetime) -> datetime:
    latest = datetime.now(UTC) - timedelta(minutes=5)
    return min(at, latest)


def after_month(period: str, day_of_month: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in the month after `period` (when its facts arrive and it is scored)."""
    return not_future(datetime.combine(day(add_months(period, 1), day_of_month), time(hour, minute), SHANGHAI))


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)
