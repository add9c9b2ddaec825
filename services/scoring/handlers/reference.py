"""The reference checks every scoring write makes: the period has begun, the units exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.scoring.domain.errors import InvalidInput
from shared.reference import future_period_problems, unknown_unit_problems
from shared.uow import UnitOfWork

STATION = frozenset({"station"})


def check_period(period: str, now: datetime, field: str = "period") -> None:
    """A fact or a score for a month that has not begun (Asia/Shanghai, the runtime's clock) is refused."""
    problems = future_period_problems([(field, period)], now)
    if problems:
        raise InvalidInput("账期尚未开始", problems)


async def check_units(uow: UnitOfWork, pairs: Sequence[tuple[str, str]], levels: frozenset[str] | None) -> None:
    problems = await unknown_unit_problems(uow.session, pairs, levels)
    if problems:
        raise InvalidInput("单位无效", problems)
