"""Billing errors as the domain sees them (pure: no I/O): report, grade, and the lifecycle
reported → root_caused → rectified → closed. An error closes only with a root cause, a prevention
measure and the accountability decision (查不清原因不放过, 责任人未处理不放过)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import get_args

from services.audit_link.domain.accountability import Grade
from shared.errors import Conflict, InvalidInput
from shared.events.audit import ErrorCategory, ErrorNature

CATEGORIES: tuple[str, ...] = get_args(ErrorCategory)
NATURES: tuple[str, ...] = get_args(ErrorNature)
STATES: tuple[str, ...] = ("reported", "root_caused", "rectified", "closed")
ACTIONS: tuple[str, ...] = ("root_cause", "rectify", "close")
MAX_BILLS_AFFECTED = 1_000_000


class InvalidErrorTransition(Conflict):
    """The action does not apply to the error's state (409)."""


class MissingFields(InvalidInput):
    """Required facts are missing (422); `fields` names them."""

    default_title = "缺少必填信息"

    def __init__(self, fields: list[str], message: str):
        super().__init__(message, errors=[{"field": f"body.{f}", "message": "必填"} for f in fields])
        self.fields = fields


@dataclass(frozen=True)
class BillingError:
    id: uuid.UUID
    unit: str
    period: str
    category: str
    nature: str
    amount: Decimal
    description: str
    customer_no: str | None
    reporter: str
    reported_at: datetime
    state: str = "reported"
    evidence: str | None = None
    points: int | None = None
    level: str | None = None
    occurrence: int | None = None
    root_cause: str | None = None
    prevention_measure: str | None = None
    accountability_decision: str | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    version: int = 1
    bills_affected: int = 1  # bills the error touched: what it adds to the unit's bills_erroneous


def report(*, unit: str, period: str, category: str, nature: str, amount: Decimal, description: str,
           customer_no: str | None, reporter: str, now: datetime, evidence: str | None = None,
           grade: Grade | None = None, bills_affected: int = 1, error_id: uuid.UUID | None = None) -> BillingError:
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category}")
    if nature not in NATURES:
        raise ValueError(f"unknown nature {nature}")
    if not 1 <= bills_affected <= MAX_BILLS_AFFECTED:
        raise ValueError(f"bills_affected must be 1..{MAX_BILLS_AFFECTED}")
    return BillingError(
        error_id or uuid.uuid4(), unit, period, category, nature, amount, description.strip(), customer_no, reporter,
        now,
        evidence=evidence, points=grade.points if grade else None, level=grade.level if grade else None,
        occurrence=grade.occurrence if grade else None, bills_affected=bills_affected,
    )


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def apply(error: BillingError, action: str, *, actor: str, now: datetime, root_cause: str | None = None,
          prevention_measure: str | None = None, accountability_decision: str | None = None) -> BillingError:
    """The error after `action`; facts given with any action are recorded (later ones overwrite)."""
    if error.state == "closed":
        raise InvalidErrorTransition("差错已关闭")
    merged = replace(
        error,
        root_cause=_text(root_cause) or error.root_cause,
        prevention_measure=_text(prevention_measure) or error.prevention_measure,
        accountability_decision=_text(accountability_decision) or error.accountability_decision,
        version=error.version + 1,
    )
    if action == "root_cause":
        _require(merged, ["root_cause"])
        return replace(merged, state="root_caused") if error.state == "reported" else merged
    if action == "rectify":
        _require(merged, ["root_cause", "prevention_measure"])
        return replace(merged, state="rectified")
    if action == "close":
        _require(merged, ["root_cause", "prevention_measure", "accountability_decision"])
        return replace(merged, state="closed", closed_by=actor, closed_at=now)
    raise InvalidErrorTransition(f"未知操作 {action}")


def _require(error: BillingError, names: list[str]) -> None:
    missing = [n for n in names if not getattr(error, n)]
    if missing:
        raise MissingFields(missing, f"须先填写：{', '.join(missing)}")
