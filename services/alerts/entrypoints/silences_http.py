"""Silences: POST/GET/DELETE /api/v1/silences."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from services.alerts.adapters import repository
from services.alerts.entrypoints.schemas import SilenceIn, SilenceOut
from shared.auth import Principal
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.problems import Problem
from shared.runtime import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])
WRITE_ROLES = ("admin", "customer_service", "marketing", "system")


@router.post("", status_code=201, response_model=SilenceOut)
async def create_silence(body: SilenceIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> SilenceOut:
    now = runtime.clock.now()
    starts = body.starts_at or now
    if starts.tzinfo is None or body.ends_at.tzinfo is None:
        raise Problem(422, "Request validation failed", "times need a UTC offset",
                      errors=[{"field": "body.ends_at", "message": "a time with a UTC offset is required"}])
    if body.ends_at <= starts:
        raise Problem(422, "Request validation failed", "ends_at must be after starts_at",
                      errors=[{"field": "body.ends_at", "message": "must be after starts_at"}])
    values = {"id": uuid.uuid4(), "matchers": [m.model_dump() for m in body.matchers], "starts_at": starts,
              "ends_at": body.ends_at, "comment": body.comment, "created_by": caller.subject, "created_at": now}
    await repository.add_silence(uow.session, values)
    await uow.commit()
    return SilenceOut(**values)


@router.get("", response_model=list[SilenceOut])
async def list_silences(
    expired: bool = False, caller: Principal = Depends(require_roles()),
    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
) -> list[SilenceOut]:
    rows = await repository.list_silences(uow.session, include_expired=expired, at=runtime.clock.now())
    return [SilenceOut(**r) for r in rows]


@router.delete("/{silence_id}", status_code=204)
async def delete_silence(silence_id: uuid.UUID, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> Response:
    if not await repository.delete_silence(uow.session, silence_id, runtime.clock.now()):
        raise Problem(404, "Not found", f"no silence {silence_id}")
    await uow.commit()
    return Response(status_code=204)
