"""Customer credit: payments in (an event), bulk files in (set-based) and re-grading every customer
(commands), re-grading one customer after a payment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.alerts.adapters import credit_import, credit_sql
from services.alerts.adapters import credit_repository as repo
from services.alerts.domain import credit as rules
from services.alerts.domain.credit import InvalidRow
from shared import reference
from shared.calendar import local_date
from shared.errors import InvalidInput
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


@dataclass(frozen=True)
class ImportFile:
    kind: str  # "customers" | "bills" | "payments"
    chunks: AsyncIterator[bytes]  # the file, streamed
    scope: tuple[str, ...] | None  # the caller's unit prefixes (None: city-wide)
    at: datetime


async def import_file(cmd: ImportFile, uow: UnitOfWork) -> int:
    """A bulk file of customers, bills or payments, all rows or none; no re-grading. Rows for unknown
    org units, months after `at`'s or units outside `scope` are refused with the rest of the file
    (InvalidInput naming the first bad row). Committed; returns the number of rows."""
    try:
        rows = await credit_import.import_file(uow.session, cmd.kind, cmd.chunks, cmd.at, cmd.scope)
    except InvalidRow as exc:
        raise _invalid(exc) from exc
    await uow.commit()
    return rows


def _invalid(exc: InvalidRow) -> InvalidInput:
    if exc.row is None:
        return InvalidInput(title="文件无效", detail=str(exc),
                            errors=[{"field": exc.field, "message": f"{exc.field} 无效：{exc.message}"}])
    return InvalidInput(title="文件无效", detail=str(exc), errors=[
        {"field": f"row {exc.row}.{exc.field}", "row": exc.row,
         "message": f"第 {exc.row} 行 {exc.field} 无效：{exc.message}"}])


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


@dataclass(frozen=True)
class RegradeAll:
    topic: str  # the alerts topic the set-based re-grading writes its events for
    at: datetime


async def regrade_all(cmd: RegradeAll, uow: UnitOfWork) -> tuple[date, dict[str, int]]:
    """Set-based recompute of every customer as of `at`'s local day (events straight to the outbox,
    same transaction); committed. Returns the day and the counts."""
    as_of = local_date(cmd.at)
    counts = await credit_sql.evaluate_all(uow.session, as_of=as_of, now=cmd.at, topic=cmd.topic)
    await uow.commit()
    return as_of, counts
