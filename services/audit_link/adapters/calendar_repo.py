"""The working-day calendar as stored data (audit_calendar_years / audit_calendar_days)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import calendar_days, calendar_years
from shared.calendar import CalendarData


async def load(session: AsyncSession, first_year: int | None = None, last_year: int | None = None) -> CalendarData:
    """The covered years (optionally only those in [first_year, last_year]) and their listed days."""
    years_q = select(calendar_years.c.year)
    days_q = select(calendar_days.c.day, calendar_days.c.kind)
    if first_year is not None:
        years_q = years_q.where(calendar_years.c.year >= first_year)
        days_q = days_q.where(calendar_days.c.year >= first_year)
    if last_year is not None:
        years_q = years_q.where(calendar_years.c.year <= last_year)
        days_q = days_q.where(calendar_days.c.year <= last_year)
    years = (await session.execute(years_q)).scalars().all()
    rows = (await session.execute(days_q)).all()
    return CalendarData.of(years, [d for d, k in rows if k == "holiday"], [d for d, k in rows if k == "workday"])


async def list_years(session: AsyncSession) -> list[dict]:
    rows = await session.execute(select(calendar_years).order_by(calendar_years.c.year))
    return [dict(r._mapping) for r in rows]


async def year_days(session: AsyncSession, year: int) -> list[dict] | None:
    if (await session.execute(select(calendar_years.c.year).where(calendar_years.c.year == year))).first() is None:
        return None
    rows = await session.execute(
        select(calendar_days.c.day, calendar_days.c.kind, calendar_days.c.name)
        .where(calendar_days.c.year == year).order_by(calendar_days.c.day))
    return [dict(r._mapping) for r in rows]


async def replace_year(session: AsyncSession, year: int, holidays: list[tuple[date, str | None]],
                       workdays: list[tuple[date, str | None]], *, source: str, by: str, at: datetime) -> None:
    """Replace one year's official schedule (in the caller's transaction)."""
    await session.execute(delete(calendar_days).where(calendar_days.c.year == year))
    rows = [{"day": d, "year": year, "kind": "holiday", "name": n} for d, n in holidays]
    rows += [{"day": d, "year": year, "kind": "workday", "name": n} for d, n in workdays]
    if rows:
        await session.execute(insert(calendar_days), rows)
    values = {"year": year, "source": source, "loaded_by": by, "loaded_at": at}
    await session.execute(insert(calendar_years).values(**values)
                          .on_conflict_do_update(index_elements=["year"], set_=values))
