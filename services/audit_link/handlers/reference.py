"""The reference checks every audit write makes: the unit exists, the period has begun."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import InvalidInput
from shared.reference import future_period_problems, unknown_unit_problems


class InvalidReference(InvalidInput):
    """The command names a unit that does not exist or a period after the current month (422);
    `problems` are [{"field", "message"}], one per offending field."""

    default_title = "引用的单位或账期无效"

    def __init__(self, problems: list[dict[str, str]]):
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems), errors=problems)
        self.problems = problems


async def check(session: AsyncSession, now: datetime, *, unit: tuple[str, str],
                period: tuple[str, str | None]) -> None:
    """Raise InvalidReference naming each bad field; `unit`/`period` are (field, value) pairs and
    the current month is the one `now` falls in (Asia/Shanghai)."""
    problems = await unknown_unit_problems(session, [unit])
    if period[1] is not None:
        problems += future_period_problems([(period[0], period[1])], now)
    if problems:
        raise InvalidReference(problems)
