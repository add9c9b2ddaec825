"""Numbers as Chinese readers expect them (pure functions; no I/O)."""

from __future__ import annotations

from decimal import Decimal

from services.bulletin import numbers


def test_percent_rate_money_and_periods() -> None:
    assert numbers.percent(0.123456) == "12.35%" and numbers.percent(None) == "—"
    assert numbers.rate(0.99985) == "99.98%" and numbers.rate(0.99995) == "99.99%" and numbers.rate(1.0) == "100.00%"
    assert numbers.money(Decimal("251234.50")) == "25.12 万元" and numbers.money(Decimal("-88")) == "-88.00 元"
    assert numbers.money(Decimal("9999.99")) == "9,999.99 元"
    assert numbers.money(Decimal("123456789")) == "12,345.68 万元"
    assert numbers.score(None) == "无数据" and numbers.change(-9.7) == "-9.70" and numbers.change(0.0) == "0.00"
    assert numbers.period_zh("2026-01") == "2026年1月" and numbers.previous_period("2026-01") == "2025-12"
