"""The columns of a bill file (POST /api/v1/review/{period}/bills): name, PostgreSQL type, required."""

from __future__ import annotations

from dataclasses import dataclass

from services.bill_review.domain.rules import CATEGORIES


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    required: bool
    check: str | None = None  # a CHECK on the staged value, named after the column


def _number(name: str, bound: str | None = None) -> str:
    # PostgreSQL's numeric reads 'NaN', which compares greater than every number: refused like a bad value.
    return f"{name} <> 'NaN'" + (f" AND {name} {bound}" if bound else "")


COLUMNS: tuple[Column, ...] = (
    Column("unit", "text", True, "unit <> ''"),
    Column("bill_id", "text", True, "bill_id <> ''"),
    Column("customer_no", "text", True, "customer_no <> ''"),
    Column("category", "text", True, "category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")"),
    Column("tariff_code", "text", True, "tariff_code <> ''"),
    Column("multiplier", "numeric(12,2)", True, _number("multiplier", "> 0")),
    Column("prev_reading", "numeric(16,2)", True, _number("prev_reading", ">= 0")),
    Column("curr_reading", "numeric(16,2)", True, _number("curr_reading", ">= 0")),
    Column("kwh", "numeric(14,2)", True, _number("kwh")),
    Column("amount", "numeric(14,2)", True, _number("amount")),
    Column("kwh_peak", "numeric(14,2)", False, _number("kwh_peak")),
    Column("kwh_flat", "numeric(14,2)", False, _number("kwh_flat")),
    Column("kwh_valley", "numeric(14,2)", False, _number("kwh_valley")),
    Column("meter_changed", "boolean", False),
    Column("last_month_kwh", "numeric(14,2)", False, _number("last_month_kwh")),
)
BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
OPTIONAL = tuple(c.name for c in COLUMNS if not c.required)
CHECK_MESSAGES = {
    "unit": "不能为空", "bill_id": "不能为空", "customer_no": "不能为空",
    "tariff_code": "不能为空", "category": "须为以下之一：" + ", ".join(CATEGORIES),
    "multiplier": "须为 > 0 的数值", "prev_reading": "须为 ≥ 0 的数值", "curr_reading": "须为 ≥ 0 的数值",
    **{name: "须为数值（不能为 NaN）" for name in ("kwh", "amount", "kwh_peak", "kwh_flat", "kwh_valley",
                                               "last_month_kwh")},
}
