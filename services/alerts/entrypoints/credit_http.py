"""Customer credit: bulk files, recompute (writes: handlers.credit), a customer's grade, customers at risk."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from services.alerts.adapters import credit_repository as repo
from services.alerts.entrypoints.schemas import (
    CreditHistoryOut,
    CustomerDetail,
    CustomerOut,
    ImportOut,
    RecomputeOut,
    RisksOut,
)
from services.alerts.handlers import credit
from shared.auth import Principal
from shared.errors import NotFound, OutOfScope
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
    rows = await credit.import_file(credit.ImportFile(kind, decoded_body(request, decoder), caller.unit_prefixes(),
                                                      runtime.clock.now()), uow)
    return ImportOut(kind=kind, rows=rows, encoding=decoder.encoding)


@router.post("/recompute", response_model=RecomputeOut)
async def recompute(caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> RecomputeOut:
    """Re-grades every customer of the city, so it needs a city-wide token (403 for a scoped one)."""
    if not caller.sees_all_units:
        raise OutOfScope("重新评级会重评全市所有客户；限于 "
                         f"{', '.join(caller.units)} 的令牌不能执行")
    as_of, counts = await credit.regrade_all(
        credit.RegradeAll(runtime.settings.topic(topics.ALERTS), runtime.clock.now()), uow)
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
