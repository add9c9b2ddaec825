"""Checks every service makes against the shared reference data before it records a fact.

Org units are reference data every service reads (DESIGN §3): the tree lives in scoring's
`scoring_org_units`, read here with plain SQL so no service imports another. A fact for a unit that
does not exist, or for a month that has not begun yet (Asia/Shanghai), is refused: it would be
counted somewhere no report ever looks, or score a month before its facts can exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.calendar import local_date
from shared.labels import LEVEL_ZH, zh

Problem = dict[str, str]


def current_period(now: datetime) -> str:
    """The billing month that `now` falls in, in Asia/Shanghai."""
    return local_date(now).strftime("%Y-%m")


def future_period_problems(periods: Iterable[tuple[str, str]], now: datetime) -> list[Problem]:
    """(field, period) pairs whose period lies after the current month."""
    current = current_period(now)
    return [{"field": field, "message": f"账期 {period} 晚于本月 {current}"}
            for field, period in periods if period > current]


async def unit_levels(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    """code → level (city | county | station) of the given codes that exist."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        text("SELECT code, level FROM scoring_org_units WHERE code = ANY(:codes)"), {"codes": wanted})
    return {code: level for code, level in rows.all()}


async def unknown_unit_problems(session: AsyncSession, units: Iterable[tuple[str, str]],
                                levels: frozenset[str] | None = None) -> list[Problem]:
    """(field, unit) pairs naming a unit that does not exist (or not at one of `levels`)."""
    pairs = list(units)
    known = await unit_levels(session, (u for _, u in pairs))
    problems = []
    for field, unit in pairs:
        level = known.get(unit)
        if level is None:
            problems.append({"field": field, "message": f"没有单位 {unit}"})
        elif levels is not None and level not in levels:
            problems.append({"field": field, "message": f"{unit} 是{zh(LEVEL_ZH, level)}，此处须为"
                             f"{'或'.join(zh(LEVEL_ZH, x) for x in sorted(levels))}"})
    return problems
