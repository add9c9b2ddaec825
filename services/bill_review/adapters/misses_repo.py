"""Errors registered for reviewed bills, and the misses among them (rule effectiveness). Never commits.

A miss: an error audit_link registered whose (period, unit, customer_no) has a bill that was reviewed
(its unit's current bills were screened) while no rule flagged any bill of that customer there. It is
read when asked, not fixed when the error arrives: an error may come before the run, and a re-run with
other thresholds changes what was flagged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.tables import errors


async def add_error(session: AsyncSession, *, error_id: uuid.UUID, period: str, unit: str, customer_no: str,
                    bills_affected: int, reported_at: datetime, received_at: datetime) -> None:
    await session.execute(insert(errors).values(
        error_id=error_id, period=period, unit=unit, customer_no=customer_no, bills_affected=bills_affected,
        reported_at=reported_at, received_at=received_at).on_conflict_do_nothing())


def _under(column: str, name: str) -> str:
    return f"({column} = :{name} OR {column} LIKE :{name}_like)"


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"


def _unit_filter(column: str, unit: str | None, scope: tuple[str, ...] | None) -> tuple[str, dict[str, Any]]:
    """SQL and parameters for `column` in `unit`'s subtree and the caller's scope (codes nest by '-')."""
    sql, params = "", {}
    if unit is not None:
        sql += " AND " + _under(column, "unit")
        params |= {"unit": unit, "unit_like": _like(unit)}
    if scope is not None:
        parts = []
        for i, prefix in enumerate(scope):
            parts.append(_under(column, f"s{i}"))
            params |= {f"s{i}": prefix, f"s{i}_like": _like(prefix)}
        sql += " AND (" + (" OR ".join(parts) if parts else "false") + ")"
    return sql, params


async def per_period(session: AsyncSession, first: str, last: str, *, scope: tuple[str, ...] | None,
                     unit: str | None) -> list[dict[str, Any]]:
    """Per period with reviewed units (in scope): `errors` registered for customers with a reviewed bill,
    `from_review` (registered from a confirmed suspect) and `misses` (no rule flagged the customer's
    bills). Periods without any review are absent: no data, not 0 misses."""
    units_sql, params = _unit_filter("u.unit", unit, scope)
    errors_sql, _ = _unit_filter("e.unit", unit, scope)
    rows = await session.execute(text(
        "WITH reviewed AS (SELECT DISTINCT u.period FROM review_units u WHERE u.period BETWEEN :first AND :last"
        f"  AND u.reviewed_at IS NOT NULL{units_sql}),"
        " matched AS (SELECT e.period, e.error_id,"
        "  EXISTS (SELECT 1 FROM review_suspects s WHERE s.period = e.period AND s.error_id = e.error_id)"
        "   AS from_review,"
        "  EXISTS (SELECT 1 FROM review_suspects s WHERE s.period = e.period AND s.unit = e.unit"
        "   AND s.customer_no = e.customer_no) AS flagged"
        "  FROM review_errors e WHERE e.period BETWEEN :first AND :last" + errors_sql +
        "  AND EXISTS (SELECT 1 FROM review_bills b JOIN review_units u ON u.period = b.period AND u.unit = b.unit"
        "   WHERE b.period = e.period AND b.unit = e.unit AND b.customer_no = e.customer_no"
        "   AND u.reviewed_at IS NOT NULL))"
        " SELECT r.period, count(m.error_id)::int AS errors,"
        "  count(m.error_id) FILTER (WHERE m.from_review)::int AS from_review,"
        "  count(m.error_id) FILTER (WHERE NOT m.flagged)::int AS misses"
        " FROM reviewed r LEFT JOIN matched m ON m.period = r.period GROUP BY r.period ORDER BY r.period"),
        {"first": first, "last": last, **params})
    return [dict(r._mapping) for r in rows]
