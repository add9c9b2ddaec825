"""Customer credit: bulk files, recompute, a customer's grade, customers at risk."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from services.alerts import credit
from services.alerts.adapters import credit_repository as repo
from services.alerts.domain.credit import InvalidRow
from services.alerts.entrypoints.schemas import (
    CreditHistoryOut,
    CustomerDetail,
    CustomerOut,
    ImportOut,
    RecomputeOut,
    RisksOut,
)
from shared.auth import Principal
from shared.errors import InvalidInput, NotFound, OutOfScope
from shared.events import topics
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.uploads import decoded_body, upload_decoder
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
WRITE_ROLES = ("admin", "marketing", "system")


@router.post("/import/{kind}", status_code=201, response_model=ImportOut,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_file(kind: Literal["customers", "bills", "payments"], request: Request,
                      caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                      uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> ImportOut:
    """A CSV file (UTF-8 or GB18030/GBK, header row), streamed; all rows or none (422 names the first bad row,
    e.g. an unknown org unit or a period after the current month)."""
    decoder = upload_decoder(request)
    try:
        rows = await credit.import_file(uow, kind, decoded_body(request, decoder), runtime.clock.now(),
                                       caller.unit_prefixes())
    except InvalidRow as exc:
        raise _invalid(exc) from exc
    await uow.commit()
    return ImportOut(kind=kind, rows=rows, encoding=decoder.encoding)


def _invalid(exc: InvalidRow) -> InvalidInput:
    if exc.row is None:
        return InvalidInput(title="文件无效", detail=str(exc),
                            errors=[{"field": exc.field, "message": f"{exc.field} 无效：{exc.message}"}])
    return InvalidInput(title="文件无效", detail=str(exc), errors=[
        {"field": f"row {exc.row}.{exc.field}", "row": exc.row,
         "message": f"第 {exc.row} 行 {exc.field} 无效：{exc.message}"}])


@router.post("/recompute", response_model=RecomputeOut)
async def recompute(caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> RecomputeOut:
    """Re-grades every customer of the city, so it needs a city-wide token (403 for a scoped one)."""
    if not caller.sees_all_units:
        raise OutOfScope("重新评级会重评全市所有客户；限于 "
                         f"{', '.join(caller.units)} 的令牌不能执行")
    now = runtime.clock.now()
    as_of = credit.local_date(now)
    counts = await credit.regrade_all(uow, as_of=as_of, now=now, topic=runtime.settings.topic(topics.ALERTS))
    await uow.commit()
    return RecomputeOut(as_of=as_of, **counts)


@router.get("/customers/{customer_no}", response_model=CustomerDetail)
async def get_customer(customer_no: str, caller: Principal = Depends(require_roles()),
                       uow: UnitOfWork = Depends(get_uow)) -> CustomerDetail:
    row = await repo.customer(uow.session, customer_no)
    if row is None or not caller.may_see(row["unit"]):
        raise NotFound(f"没有客户 {customer_no}")
    hist = await repo.customer_history(uow.session, customer_no)
    return CustomerDetail(**row, history=[CreditHistoryOut(**h) for h in hist])


@router.get("/risks", response_model=RisksOut)
async def risks(unit: UnitCode | None = None, limit: int = Query(100, ge=1, le=1000),
                caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow)) -> RisksOut:
    rows = await repo.risks(uow.session, unit=unit, scope=caller.unit_prefixes(), limit=limit)
    return RisksOut(items=[CustomerOut(**r) for r in rows])
