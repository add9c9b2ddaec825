"""Customer credit use cases: payments in, bulk files in (set-based), re-grading (incremental and for all)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal

from services.alerts.adapters import credit_import, credit_sql
from services.alerts.adapters import credit_repository as repo
from services.alerts.domain import credit as rules
from shared import reference
from shared.calendar import local_date
from shared.events.alerts import ArrearsRiskDetected, CreditGradeChanged
from shared.events.intake import RecordPayment
from shared.uow import UnitOfWork


class UnknownReference(ValueError):
    """A fact for an org unit that does not exist or a month that has not begun: never recorded."""


async def record_payment(uow: UnitOfWork, e: RecordPayment, now: datetime) -> None:
    """A payment from m2c.intake.v1: store it, settle its bill, re-grade that one customer.

    A payment for an unknown unit or a later month raises UnknownReference: the consumer retries and
    then dead-letters it with the reason (nothing recorded), like any event it cannot apply."""
    s = uow.session
    problems = (await reference.unknown_unit_problems(s, [("unit", e.unit)])
                + reference.future_period_problems([("period", e.period)], now))
    if problems:
        raise UnknownReference(f"payment {e.payment_id}: " + "; ".join(
            f"{p['field']}: {p['message']}" for p in problems))
    await repo.ensure_customers(s, [{"customer_no": e.customer_no, "unit": e.unit}])
    await repo.add_payments(s, [{"payment_id": e.payment_id, "customer_no": e.customer_no, "unit": e.unit,
                                 "period": e.period, "amount": e.amount, "paid_at": e.paid_at,
                                 "channel": e.channel}])
    await repo.refresh_paid(s)
    await regrade_one(uow, e.customer_no, as_of=local_date(e.paid_at), now=e.paid_at)


async def import_file(uow: UnitOfWork, kind: str, chunks: AsyncIterator[bytes], now: datetime,
                      scope: tuple[str, ...] | None = None) -> int:
    """A bulk file of customers, bills or payments, all rows or none (raises InvalidRow); no re-grading.
    Rows for unknown org units, months after `now`'s or units outside `scope` (None: all) are refused
    with the rest of the file."""
    return await credit_import.import_file(uow.session, kind, chunks, now, scope)


async def regrade_one(uow: UnitOfWork, customer_no: str, *, as_of: date, now: datetime) -> None:
    row = await credit_sql.evaluate_one(uow.session, customer_no, as_of=as_of, now=now)
    if row is None:
        return
    score = row["score"] if row["score"] is not None else 0.0
    if row["downgraded"]:
        uow.emit(CreditGradeChanged(
            customer_no=row["customer_no"], unit=row["unit"], old_grade=row["old_grade"],
            new_grade=row["new_grade"], score=score, reasons=list(row["reasons"]), changed_at=now,
        ), subject=row["unit"])
    if row["at_risk"] and not row["old_risk"]:
        uow.emit(ArrearsRiskDetected(
            customer_no=row["customer_no"], unit=row["unit"], grade=row["new_grade"], score=score,
            arrears=Decimal(row["arrears"]), months_overdue=row["months_overdue"],
            measures=rules.measures(row["large"]), detected_at=now,
        ), subject=row["unit"])


async def regrade_all(uow: UnitOfWork, *, as_of: date, now: datetime, topic: str) -> dict[str, int]:
    """Set-based recompute of every customer (events straight to the outbox, same transaction)."""
    return await credit_sql.evaluate_all(uow.session, as_of=as_of, now=now, topic=topic)
