"""Reads and writes of customers' bills, payments and grades. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import credit_bills, credit_customers, credit_history, credit_payments
from shared.scope import in_subtree, within

_KEYS = "alerts_tmp_credit_keys"
_LOCAL_DATE = "(p.paid_at AT TIME ZONE 'Asia/Shanghai')::date"


async def ensure_customers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(credit_customers).on_conflict_do_nothing(), list(rows))


async def upsert_customers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = insert(credit_customers)
    await session.execute(stmt.on_conflict_do_update(index_elements=["customer_no"], set_={
        c: stmt.excluded[c] for c in ("unit", "large", "theft_on", "illegal_use_on", "old_arrears_no_agreement")
    }), list(rows))


async def upsert_bills(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = insert(credit_bills)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["customer_no", "period"],
        set_={"unit": stmt.excluded.unit, "amount_due": stmt.excluded.amount_due,
              "due_date": stmt.excluded.due_date}), list(rows))
    await _note_keys(session, rows)


async def add_payments(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert payments; one already recorded (same payment_id) is left as it was."""
    if rows:
        await session.execute(insert(credit_payments).on_conflict_do_nothing(), list(rows))
        await _note_keys(session, rows)


async def _note_keys(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(text(
        f"CREATE TEMP TABLE IF NOT EXISTS {_KEYS} (customer_no text, period text) ON COMMIT DELETE ROWS"))
    if rows:
        await session.execute(text(f"INSERT INTO {_KEYS} VALUES (:customer_no, :period)"),
                              [{"customer_no": r["customer_no"], "period": r["period"]} for r in rows])


async def refresh_paid(session: AsyncSession) -> None:
    """Recompute paid amount and the date a bill was paid in full, for the bills touched so far."""
    await _note_keys(session, [])
    await session.execute(text(f"""
UPDATE alerts_credit_bills b SET paid_amount = x.total, paid_on = x.paid_on
FROM (
  SELECT b2.customer_no, b2.period,
    coalesce((SELECT sum(p.amount) FROM alerts_credit_payments p
              WHERE p.customer_no = b2.customer_no AND p.period = b2.period), 0) AS total,
    (SELECT min(w.day) FROM (
        SELECT {_LOCAL_DATE} AS day, sum(p.amount) OVER (ORDER BY p.paid_at, p.payment_id) AS cum
        FROM alerts_credit_payments p WHERE p.customer_no = b2.customer_no AND p.period = b2.period) w
     WHERE w.cum >= b2.amount_due) AS paid_on
  FROM alerts_credit_bills b2 JOIN (SELECT DISTINCT customer_no, period FROM {_KEYS}) k
    ON k.customer_no = b2.customer_no AND k.period = b2.period
) x
WHERE b.customer_no = x.customer_no AND b.period = x.period"""))
    await session.execute(text(f"DELETE FROM {_KEYS}"))


async def customer(session: AsyncSession, customer_no: str) -> dict[str, Any] | None:
    row = (await session.execute(select(credit_customers).where(
        credit_customers.c.customer_no == customer_no))).mappings().first()
    return dict(row) if row else None


async def customer_history(session: AsyncSession, customer_no: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(credit_history).where(credit_history.c.customer_no == customer_no)
                                 .order_by(credit_history.c.id))
    return [dict(r) for r in rows.mappings()]


async def risks(session: AsyncSession, *, unit: str | None, scope: Sequence[str] | None,
                limit: int) -> list[dict[str, Any]]:
    c = credit_customers
    q = select(c).where(c.c.at_risk)
    if unit:
        q = q.where(in_subtree(c.c.unit, unit))
    if scope is not None:
        q = q.where(within(c.c.unit, scope))
    q = q.order_by(func.array_position(text("ARRAY['C','B','A','AA','AAA']"), c.c.grade),
                   c.c.score.asc().nullsfirst(), c.c.arrears.desc(), c.c.customer_no).limit(limit)
    return [dict(r) for r in (await session.execute(q)).mappings()]
