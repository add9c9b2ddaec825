"""audit_link's commands: one function each, (command, uow) -> result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from services.audit_link.adapters import repository
from services.audit_link.domain import errors as domain
from shared.events.audit import ErrorReported
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ReportError:
    unit: str
    period: str
    category: str
    nature: str
    amount: Decimal
    description: str
    customer_no: str | None
    reporter: str
    idempotency_key: str | None = None


async def report_error(cmd: ReportError, uow: UnitOfWork) -> tuple[domain.BillingError, bool]:
    """Store the error and emit ErrorReported; returns (error, created). A repeated idempotency key
    returns the error stored the first time, with no second event."""
    error = domain.report(
        unit=cmd.unit, period=cmd.period, category=cmd.category, nature=cmd.nature, amount=cmd.amount,
        description=cmd.description, customer_no=cmd.customer_no, reporter=cmd.reporter, now=datetime.now(UTC),
    )
    if not await repository.add_error(uow.session, error, cmd.idempotency_key):
        existing = await repository.get_by_idempotency_key(uow.session, cmd.idempotency_key or "")
        assert existing is not None
        return existing, False
    uow.emit(
        ErrorReported(
            error_id=error.id, unit=error.unit, period=error.period, category=error.category,
            nature=error.nature, amount=error.amount, description=error.description,
            reporter=error.reporter, reported_at=error.reported_at,
        ),
        subject=error.unit,
    )
    await uow.commit()
    return error, True
