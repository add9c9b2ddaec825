"""The working-day calendar over HTTP: compute deadlines, read and load a year's official schedule."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.audit_link.adapters import calendar_repo
from services.audit_link.handlers import calendar as handlers
from shared.auth import Principal
from shared.calendar import CalendarMissing, add_working_days
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.problems import Problem
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import Timestamp

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])
_YEAR = Path(ge=1900, le=2200)


class DueOut(BaseModel):
    start: dt.date
    days: int
    due: dt.date


class DayIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    name: str | None = Field(None, max_length=200)


class YearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: list[DayIO] = Field(description="Days off (the official holidays, weekend ones included)")
    workdays: list[DayIO] = Field(default_factory=list, description="Make-up working days (调休), on weekends")
    source: str = Field("admin upload", max_length=200, description="e.g. the State Council notice")


class YearOut(BaseModel):
    year: int
    source: str
    loaded_by: str
    loaded_at: Timestamp


class YearDetail(YearOut):
    holidays: list[DayIO]
    workdays: list[DayIO]


@router.get("/add-working-days", response_model=DueOut)
async def add_days(
    start: dt.date, days: int = Query(ge=0, le=366),
    caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow),
) -> DueOut:
    """The `days`-th working day strictly after `start`; 422 when a year on the way has no calendar."""
    cal = await calendar_repo.load(uow.session, start.year, start.year + 2)
    try:
        due = add_working_days(cal, start, days)
    except CalendarMissing as exc:
        raise CalendarMissing(exc.year, "query.start") from exc
    return DueOut(start=start, days=days, due=due)


@router.get("/years", response_model=list[YearOut])
async def list_years(caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow)) -> list[YearOut]:
    return [YearOut(**y) for y in await calendar_repo.list_years(uow.session)]


async def _detail(uow: UnitOfWork, year: int) -> YearDetail:
    days = await calendar_repo.year_days(uow.session, year)
    meta = next((y for y in await calendar_repo.list_years(uow.session) if y["year"] == year), None)
    if days is None or meta is None:
        raise Problem(404, "未找到", f"没有 {year} 年的工作日历")
    return YearDetail(**meta, holidays=[DayIO(date=d["day"], name=d["name"]) for d in days if d["kind"] == "holiday"],
                      workdays=[DayIO(date=d["day"], name=d["name"]) for d in days if d["kind"] == "workday"])


@router.get("/years/{year}", response_model=YearDetail)
async def get_year(year: int = _YEAR, caller: Principal = Depends(require_roles()),
                   uow: UnitOfWork = Depends(get_uow)) -> YearDetail:
    return await _detail(uow, year)


@router.put("/years/{year}", response_model=YearDetail)
async def load_year(
    body: YearIn, year: int = _YEAR, caller: Principal = Depends(require_roles("admin")),
    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
) -> YearDetail:
    """Load (or replace) a year's official schedule, so a new year needs no release. Ticket
    deadlines that were pending for want of it are computed in the same transaction."""
    errors = []
    for kind in ("holidays", "workdays"):
        for i, d in enumerate(getattr(body, kind)):
            if d.date.year != year:
                errors.append({"field": f"body.{kind}.{i}.date", "message": f"{d.date} 不在 {year} 年内"})
            elif kind == "workdays" and d.date.weekday() < 5:
                errors.append({"field": f"body.{kind}.{i}.date",
                               "message": f"{d.date} 是工作日：调休上班日只能在周末"})
    both = {d.date for d in body.holidays} & {d.date for d in body.workdays}
    errors += [{"field": "body.workdays", "message": f"{d} 同时列为节假日"} for d in sorted(both)]
    dupes = len({d.date for d in body.holidays}) != len(body.holidays) or \
        len({d.date for d in body.workdays}) != len(body.workdays)
    if dupes:
        errors.append({"field": "body", "message": "有日期重复列出"})
    if errors:
        raise Problem(422, "请求参数无效", f"{year} 年的节假日安排无效", errors=errors)
    await handlers.load_year(handlers.LoadYear(
        year, [(d.date, d.name) for d in body.holidays], [(d.date, d.name) for d in body.workdays],
        source=body.source, by=caller.subject, at=runtime.clock.now()), uow)
    async with runtime.uow() as fresh:
        return await _detail(fresh, year)
