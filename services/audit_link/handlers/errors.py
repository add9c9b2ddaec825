"""Billing errors: report (graded for accountability) and move through their lifecycle."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.audit_link.adapters import policy_repo, rejections, repository
from services.audit_link.domain import accountability
from services.audit_link.domain import errors as domain
from services.audit_link.handlers import reference
from shared.errors import Conflict, NotFound
from shared.events.audit import ErrorReported
from shared.events.intake import ReportError as ReportErrorEvent
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


__all__ = ["Conflict", "NotFound"]  # the shared failures, raised by these handlers


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
    at: datetime  # when it is reported: the request's time, or the envelope's for an intake command
    evidence: str | None = None
    idempotency_key: str | None = None
    bills_affected: int = 1
    error_id: uuid.UUID | None = None  # given by the producer (bill review) so the error is registered once


async def record_error(cmd: ReportError, uow: UnitOfWork, *,
                       fields: tuple[str, str] = ("body.unit", "body.period")) -> tuple[domain.BillingError, bool]:
    """Grade, store and emit ErrorReported (not committed). A repeated idempotency key returns the
    error stored the first time, with no second event. InvalidReference (naming `fields`) for an
    unknown unit or a period after the month of `cmd.at`."""
    now = cmd.at
    await reference.check(uow.session, now, unit=(fields[0], cmd.unit), period=(fields[1], cmd.period))
    if cmd.idempotency_key is not None:
        existing = await repository.get_by_idempotency_key(uow.session, cmd.idempotency_key)
        if existing is not None:
            return existing, False
    policy = await policy_repo.load(uow.session)
    await repository.lock_unit_category(uow.session, cmd.unit, cmd.category)
    earlier = await repository.count_in_window(
        uow.session, cmd.unit, cmd.category, accountability.window_start(policy, cmd.period), cmd.period)
    grade = accountability.grade(policy, amount=cmd.amount, nature=cmd.nature, earlier_in_window=earlier)
    error = domain.report(
        unit=cmd.unit, period=cmd.period, category=cmd.category, nature=cmd.nature, amount=cmd.amount,
        description=cmd.description, customer_no=cmd.customer_no, reporter=cmd.reporter, now=now,
        evidence=cmd.evidence, grade=grade, bills_affected=cmd.bills_affected, error_id=cmd.error_id,
    )
    if not await repository.add_error(uow.session, error, cmd.idempotency_key):
        existing = await repository.get_by_idempotency_key(uow.session, cmd.idempotency_key or "")
        assert existing is not None
        return existing, False
    uow.emit(
        ErrorReported(
            error_id=error.id, unit=error.unit, period=error.period, category=error.category,
            nature=error.nature, amount=error.amount, description=error.description,
            reporter=error.reporter, reported_at=error.reported_at, level=error.level, points=error.points,
            customer_no=error.customer_no, bills_affected=error.bills_affected,
        ),
        subject=error.unit,
    )
    return error, True


async def report_error(cmd: ReportError, uow: UnitOfWork) -> tuple[domain.BillingError, bool]:
    error, created = await record_error(cmd, uow)
    await uow.commit()
    return error, created


async def on_report_error(event: ReceivedEvent[ReportErrorEvent], uow: UnitOfWork) -> None:
    """ReportError from m2c.intake.v1: the same as POST /errors (the inbox makes it once-only).

    A command naming an unknown unit or a future period (by the envelope's time) is refused for
    good, not retried: it is kept in audit_rejected_commands with the problems and a warning is
    logged; nothing else is written and no event is emitted."""
    e = event.payload
    cmd = ReportError(
        unit=e.unit, period=e.period, category=e.category, nature=e.nature, amount=e.amount,
        description=e.description, customer_no=e.customer_no, reporter=e.reporter, evidence=e.evidence,
        at=event.envelope.time,
    )
    try:  # the reference check comes before any write, so a refused command leaves nothing behind
        await record_error(cmd, uow, fields=("data.unit", "data.period"))
    except reference.InvalidReference as exc:
        log.warning("ReportError %s refused: %s", event.envelope.id, exc)
        await rejections.record(uow.session, event_id=event.envelope.id, event_type=event.envelope.type,
                                problems=exc.problems, payload=event.envelope.data, at=event.envelope.time)


@dataclass(frozen=True)
class ErrorAction:
    error_id: uuid.UUID
    action: str
    actor: str
    at: datetime
    may_see: Callable[[str], bool]  # the caller's scope: an error outside it is not found
    root_cause: str | None = None
    prevention_measure: str | None = None
    accountability_decision: str | None = None
    expected_version: int | None = None


async def act_on_error(cmd: ErrorAction, uow: UnitOfWork) -> domain.BillingError:
    now = cmd.at
    error = await repository.get_error(uow.session, cmd.error_id)
    if error is None or not cmd.may_see(error.unit):
        raise NotFound(f"没有差错 {cmd.error_id}")
    if cmd.expected_version is not None and cmd.expected_version != error.version:
        raise Conflict(f"差错当前版本为 {error.version}，不是 {cmd.expected_version}")
    try:
        changed = domain.apply(error, cmd.action, actor=cmd.actor, now=now, root_cause=cmd.root_cause,
                               prevention_measure=cmd.prevention_measure,
                               accountability_decision=cmd.accountability_decision)
    except domain.InvalidErrorTransition as exc:
        raise Conflict(str(exc)) from exc
    if not await repository.save_error(uow.session, changed, error.version):
        raise Conflict("差错已被他人改动，请重新读取")
    await uow.commit()
    return changed
