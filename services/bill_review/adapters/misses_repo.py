"""Errors registered for reviewed bills, and the misses among them (rule effectiveness). Never commits.

A miss: an error audit_link registered whose (period, unit, customer_no) has a bill that was reviewed
(its unit's current bills were screened) while no rule flagged any bill of that customer there. It is
read when asked, not fixed when the error arrives: an error may come before the run, and a re-run with
other thresholds changes what was flagged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.suspects_repo import subtree
from services.bill_review.adapters.tables import bills, errors, suspects, units


async def add_error(session: AsyncSession, *, error_id: uuid.UUID, period: str, unit: str, customer_no: str,
                    bills_affected: int, reported_at: datetime, received_at: datetime) -> None:
    await session.execute(insert(errors).values(
        error_id=error_id, period=period, unit=unit, customer_no=customer_no, bills_affected=bills_affected,
        reported_at=reported_at, received_at=received_at).on_conflict_do_nothing())


async def per_period(session: AsyncSession, first: str, last: str, *, scope: tuple[str, ...] | None,
                     unit: str | None) -> list[dict[str, Any]]:
    """Per period with reviewed units (in scope): `errors` registered for customers with a reviewed bill,
    `from_review` (registered from a confirmed suspect) and `misses` (no rule flagged the customer's
    bills). Periods without any review are absent: no data, not 0 misses."""
    in_range = (first, last)
    reviewed = subtree(select(units.c.period).distinct()
                       .where(units.c.period.between(*in_range), units.c.reviewed_at.is_not(None)),
                       units.c.unit, unit, scope).cte("reviewed")
    e, s, b, u = errors.alias("e"), suspects.alias("s"), bills.alias("b"), units.alias("u")
    reviewed_bill = exists().where(b.c.period == e.c.period, b.c.unit == e.c.unit, b.c.customer_no == e.c.customer_no,
                                   u.c.period == b.c.period, u.c.unit == b.c.unit, u.c.reviewed_at.is_not(None))
    from_review = exists().where(s.c.period == e.c.period, s.c.error_id == e.c.error_id)
    flagged = exists().where(s.c.period == e.c.period, s.c.unit == e.c.unit, s.c.customer_no == e.c.customer_no)
    matched = subtree(select(e.c.period, e.c.error_id, from_review.label("from_review"), flagged.label("flagged"))
                      .where(e.c.period.between(*in_range), reviewed_bill),
                      e.c.unit, unit, scope).cte("matched")
    stmt = (select(reviewed.c.period, func.count(matched.c.error_id).label("errors"),
                   func.count(matched.c.error_id).filter(matched.c.from_review).label("from_review"),
                   func.count(matched.c.error_id).filter(~matched.c.flagged).label("misses"))
            .select_from(reviewed.outerjoin(matched, matched.c.period == reviewed.c.period))
            .group_by(reviewed.c.period).order_by(reviewed.c.period))
    return [dict(r._mapping) for r in await session.execute(stmt)]
