"""Deciding a suspect: confirm it as an error (audit_link registers it) or clear it with a reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.bill_review.adapters import suspects_repo
from services.bill_review.domain import suspects as domain
from services.bill_review.domain.errors import Conflict, NotFound
from shared.events.review import ReviewSuspectCleared, ReviewSuspectConfirmed
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Confirm:
    suspect_id: int
    nature: str
    amount: Decimal
    category: str | None = None
    description: str | None = None
    bills_affected: int = 1


@dataclass(frozen=True)
class Clear:
    suspect_id: int
    reason: str


async def _open_suspect(uow: UnitOfWork, suspect_id: int, may_see: Callable[[str], bool],
                        key: str | None) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the suspect this key already decided, if any; the suspect, locked and visible)."""
    if key is not None and (earlier := await suspects_repo.by_decision_key(uow.session, key)) is not None:
        if earlier["id"] != suspect_id or not may_see(earlier["unit"]):
            raise Conflict("该 Idempotency-Key 已用于另一项处理")
        return earlier, earlier
    suspect = await suspects_repo.get_suspect(uow.session, suspect_id, for_update=True)
    if suspect is None or not may_see(suspect["unit"]):
        raise NotFound(f"没有疑点 {suspect_id}")
    try:
        domain.check_open(suspect["state"], suspect_id)
    except domain.AlreadyDecided as exc:
        raise Conflict(str(exc)) from exc
    return None, suspect


async def confirm(cmd: Confirm, uow: UnitOfWork, now: datetime, by: str, may_see: Callable[[str], bool],
                  key: str | None = None) -> tuple[dict[str, Any], bool]:
    earlier, s = await _open_suspect(uow, cmd.suspect_id, may_see, key)
    if earlier is not None:
        return earlier, False
    category = cmd.category or domain.default_error_category(s["rule"])
    description = cmd.description or domain.default_description(s["rule"], s["bill_id"], s["message"])
    error_id = uuid.uuid4()
    decision = {"nature": cmd.nature, "category": category, "amount": str(cmd.amount), "description": description,
                "bills_affected": cmd.bills_affected}
    await suspects_repo.decide(uow.session, s["id"], "confirmed", decision, by, now, key, error_id)
    uow.emit(ReviewSuspectConfirmed(
        suspect_id=s["id"], error_id=error_id, period=s["period"], unit=s["unit"], bill_id=s["bill_id"],
        customer_no=s["customer_no"], rule=s["rule"], category=category, nature=cmd.nature, amount=cmd.amount,
        description=description, bills_affected=cmd.bills_affected, confirmed_by=by, confirmed_at=now,
    ), subject=s["unit"])
    await uow.commit()
    return await _reread(uow, s["id"]), True


async def clear(cmd: Clear, uow: UnitOfWork, now: datetime, by: str, may_see: Callable[[str], bool],
                key: str | None = None) -> tuple[dict[str, Any], bool]:
    earlier, s = await _open_suspect(uow, cmd.suspect_id, may_see, key)
    if earlier is not None:
        return earlier, False
    await suspects_repo.decide(uow.session, s["id"], "cleared", {"reason": cmd.reason}, by, now, key, None)
    uow.emit(ReviewSuspectCleared(
        suspect_id=s["id"], period=s["period"], unit=s["unit"], bill_id=s["bill_id"], rule=s["rule"],
        reason=cmd.reason, cleared_by=by, cleared_at=now,
    ), subject=s["unit"])
    await uow.commit()
    return await _reread(uow, s["id"]), True


async def _reread(uow: UnitOfWork, suspect_id: int) -> dict[str, Any]:
    suspect = await suspects_repo.get_suspect(uow.session, suspect_id)
    assert suspect is not None
    return suspect
