"""audit_link's HTTP API."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from fastapi import APIRouter, Depends, Header, Response

from services.audit_link import handlers
from services.audit_link.adapters import repository
from services.audit_link.entrypoints.schemas import ErrorIn, ErrorOut
from shared.auth import Principal
from shared.http.deps import ensure_visible, get_uow, require_roles
from shared.http.problems import Problem
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["errors"])
_REPORTERS = require_roles("admin", "customer_service", "marketing", "audit_center", "station", "system")
_READERS = require_roles()


@router.post("/errors", status_code=201, response_model=ErrorOut)
async def report_error(
    body: ErrorIn, response: Response,
    idempotency_key: str | None = Header(None, max_length=200),
    caller: Principal = Depends(_REPORTERS), uow: UnitOfWork = Depends(get_uow),
) -> ErrorOut:
    ensure_visible(caller, body.unit)
    error, created = await handlers.report_error(
        handlers.ReportError(**body.model_dump(), reporter=caller.subject, idempotency_key=idempotency_key), uow,
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/errors/{error.id}"
    return ErrorOut(**asdict(error))


@router.get("/errors/{error_id}", response_model=ErrorOut)
async def get_error(
    error_id: uuid.UUID, caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow),
) -> ErrorOut:
    error = await repository.get_error(uow.session, error_id)
    if error is None or not caller.may_see(error.unit):
        raise Problem(404, "Not found", f"no error {error_id}")
    return ErrorOut(**asdict(error))
