"""Importing a period's bills and screening them with the rule set (a run)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from services.bill_review.adapters import bill_ingest, config_repo, review_run, suspects_repo
from services.bill_review.domain import periods
from services.bill_review.domain.errors import InvalidInput
from shared.events.review import BillReviewCompleted
from shared.reference import future_period_problems
from shared.uow import UnitOfWork


def _refuse_future(period: str, now: datetime) -> None:
    if problems := future_period_problems([("period", period)], now):
        raise InvalidInput("账期尚未开始", problems)


async def import_bills(period: str, fmt: str, chunks: AsyncIterator[bytes], uow: UnitOfWork, now: datetime,
                       by: str, may_see: Callable[[str], bool]) -> dict[str, Any]:
    """One file, atomically: it replaces the period's bills of the units it contains, or nothing changes."""
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput("未知格式", [{"field": "format", "message": "须为 csv 或 ndjson"}])
    _refuse_future(period, now)
    await review_run.lock_period(uow.session, period)
    header_lines = await bill_ingest.stage(uow.session, fmt, chunks)
    units = await bill_ingest.check_units(uow.session, header_lines, may_see)
    await bill_ingest.replace_bills(uow.session, period, units, header_lines, by, now)
    await uow.commit()
    return {"period": period, "bills": sum(units.values()), "units": units}


async def run_review(period: str, uow: UnitOfWork, now: datetime, by: str, scope: tuple[str, ...] | None,
                     may_see: Callable[[str], bool], idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Screen the period's bills (the caller's units) with the rule set in force; emits BillReviewCompleted
    per unit. Re-running raises the same suspects and keeps decided ones; a repeated key returns the first run."""
    _refuse_future(period, now)
    if idempotency_key is not None and (earlier := await review_run.run_by_key(uow.session, idempotency_key)):
        return earlier, False
    await review_run.lock_period(uow.session, period)
    rule_set = await config_repo.rule_set_in_force(uow.session, period)
    if rule_set is None:  # a month before the first rule set took effect
        raise InvalidInput("没有审核规则", [{"field": "period", "message": f"{period} 没有生效的审核规则"}])
    present = await suspects_repo.units_with_bills(uow.session, period)
    units = None if scope is None else [u for u in present if may_see(u)]
    if not (present if units is None else units):
        raise InvalidInput("没有账单", [{"field": "period", "message": f"{period} 尚未导入"
                                         + ("" if scope is None else "您所辖单位的") + "账单"}])
    version = rule_set["version"]
    await review_run.screen(uow.session, period, periods.previous(period), units, rule_set["rules"], version, now)
    per_unit = await review_run.unit_results(uow.session, period, units)
    await review_run.drop_hits(uow.session)
    by_rule: dict[str, int] = {}
    for u in per_unit:
        for rule, n in u["by_rule"].items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    run_id = uuid.uuid4()
    result = {
        "run_id": str(run_id), "period": period, "rule_set_version": version,
        "bills": sum(u["bills"] for u in per_unit), "suspects": sum(u["suspects"] for u in per_unit),
        "by_rule": dict(sorted(by_rule.items())), "units": len(per_unit),
        "open": sum(u["open"] for u in per_unit), "confirmed": sum(u["confirmed"] for u in per_unit),
        "cleared": sum(u["cleared"] for u in per_unit), "reviewed_at": now.isoformat(),
    }
    if not await review_run.add_run(uow.session, run_id, period, units, version, result, by, now, idempotency_key):
        await uow.session.rollback()  # a concurrent request with the same key won: answer with its run
        earlier = await review_run.run_by_key(uow.session, idempotency_key or "")
        assert earlier is not None
        return earlier, False
    for u in per_unit:
        uow.emit(BillReviewCompleted(
            run_id=run_id, period=period, unit=u["unit"], rule_set_version=version, bills=u["bills"],
            suspects=u["suspects"], by_rule=u["by_rule"], suspect_bills=u["suspect_bills"], open=u["open"],
            confirmed=u["confirmed"], cleared=u["cleared"], reviewed_at=now,
        ), subject=u["unit"])
    await uow.commit()
    return result, True
