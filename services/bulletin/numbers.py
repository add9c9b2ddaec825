"""Numbers as Chinese readers expect them: percent with two decimals, 万元 for large amounts."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
WAN = Decimal(10000)


def percent(ratio: float | None, empty: str = "—") -> str:
    return empty if ratio is None else f"{ratio * 100:.2f}%"


def rate(ratio: float | None, empty: str = "—") -> str:
    """A recovery rate, cut (never rounded up) to two decimals: 99.985 % must not read as the 99.99 % target."""
    if ratio is None:
        return empty
    cut = (Decimal(str(ratio)) * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{cut}%"


def score(value: float | None, empty: str = "无数据") -> str:
    return empty if value is None else f"{value:.2f}"


def change(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if value else "0.00"


def money(yuan: Decimal | float | None) -> str:
    """¥12 345.60 → "1.23 万元"; below 10 000 → "9,876.50 元"."""
    if yuan is None:
        return "—"
    amount = Decimal(str(yuan))
    if abs(amount) >= WAN:
        return f"{amount / WAN:,.2f} 万元"
    return f"{amount:,.2f} 元"


def when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def period_zh(period: str) -> str:
    return f"{period[:4]}年{int(period[5:])}月"


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
