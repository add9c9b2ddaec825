"""Tariffs and the rule set: each change is a new version, earlier runs keep the version they used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.bill_review.adapters import config_repo
from services.bill_review.domain import rules as domain
from services.bill_review.domain.errors import InvalidInput
from shared.uow import UnitOfWork


async def put_tariffs(items: list[dict[str, Any]], effective_from: str, uow: UnitOfWork, by: str,
                      now: datetime) -> list[dict[str, Any]]:
    codes = [i["code"] for i in items]
    if twice := sorted({c for c in codes if codes.count(c) > 1}):
        raise InvalidInput("电价表无效", [{"field": f"body.items[{codes.index(c)}].code",
                                                "message": f"电价 {c} 重复给出"} for c in twice])
    await config_repo.put_tariffs(uow.session, items, effective_from, by, now)
    await uow.commit()
    return await config_repo.tariffs_in_force(uow.session, effective_from)


async def put_rules(changes: dict[str, dict[str, Any]], effective_from: str, uow: UnitOfWork, by: str,
                    now: datetime) -> dict[str, Any]:
    current = await config_repo.latest_rule_set(uow.session)
    try:
        merged = domain.merge_rule_set(current["rules"], changes)
    except domain.InvalidRuleSet as exc:
        raise InvalidInput("审核规则无效", exc.problems) from exc
    row = await config_repo.add_rule_set(uow.session, merged, effective_from, by, now)
    await uow.commit()
    return row
