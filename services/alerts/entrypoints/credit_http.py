"""Customer credit: bulk files, recompute, a customer's grade, customers at risk."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from services.alerts import credit
from services.alerts.adapters import credit_repository as repo
from services.alerts.entrypoints import credit_files
from services.alerts.entrypoints.schemas import (
    CreditHistoryOut,
    CustomerDetail,
    CustomerOut,
    ImportOut,
    RecomputeOut,
    RisksOut,
)
from shared.auth import Principal
from shared.events import topics
from shared.http.deps import ensure_visible, get_runtime, get_uow, require_roles
from shared.http.problems import Problem
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
WRITE_ROLES = ("admin", "marketing", "system")


@router.post("/import/{kind}", status_code=201, response_model=ImportOut,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
async def import_file(kind: Literal["customers", "bills", "payments"], request: Request,
                      caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                      uow: UnitOfWork = Depends(get_uow)) -> ImportOut:
    """A CSV file (UTF-8, header row), streamed; all rows or none (422 names the first bad row)."""
    rows = 0
    async for batch in credit_files.parse(kind, request.stream()):
        rows += len(batch)
        s = uow.session
        if kind == "customers":
            await repo.upsert_customers(s, batch)
            continue
        await repo.ensure_customers(s, list({r["customer_no"]: {"customer_no": r["customer_no"], "unit": r["unit"]}
                                             for r in batch}.values()))
        if kind == "bills":
            await repo.upsert_bills(s, batch)
        else:
            await repo.add_payments(s, batch)
    if kind != "customers":
        await repo.refresh_paid(uow.session)
    await uow.commit()
    return ImportOut(kind=kind, rows=rows)


@router.post("/recompute", response_model=RecomputeOut)
async def recompute(caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> RecomputeOut:
    now = runtime.clock.now()
    as_of = credit.local_date(now)
    counts = await credit.regrade_all(uow, as_of=as_of, now=now, topic=runtime.settings.topic(topics.ALERTS))
    await uow.commit()
    return RecomputeOut(as_of=as_of, **counts)


@router.get("/customers/{customer_no}", response_model=CustomerDetail)
async def get_customer(customer_no: str, caller: Principal = Depends(require_roles()),
                       uow: UnitOfWork = Depends(get_uow)) -> CustomerDetail:
    row = await repo.customer(uow.session, customer_no)
    if row is None:
        raise Problem(404, "Not found", f"no customer {customer_no}")
    ensure_visible(caller, row["unit"])
    hist = await repo.customer_history(uow.session, customer_no)
    return CustomerDetail(**row, history=[CreditHistoryOut(**h) for h in hist])


@router.get("/risks", response_model=RisksOut)
async def risks(unit: UnitCode | None = None, limit: int = Query(100, ge=1, le=1000),
                caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow)) -> RisksOut:
    rows = await repo.risks(uow.session, unit=unit, scope=caller.unit_prefixes(), limit=limit)
    return RisksOut(items=[CustomerOut(**r) for r in rows])
