"""Silences: POST/GET/DELETE /api/v1/silences (writes: handlers.silences)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from services.alerts.adapters import repository
from services.alerts.domain.silences import confined_unit
from services.alerts.entrypoints.schemas import SilenceIn, SilenceOut
from services.alerts.handlers import silences
from shared.auth import Principal
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.scope import ensure_writable
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])
WRITE_ROLES = ("admin", "customer_service", "marketing", "system")


@router.post("", status_code=201, response_model=SilenceOut)
async def create_silence(body: SilenceIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> SilenceOut:
    matchers = [m.model_dump() for m in body.matchers]
    ensure_writable(caller, confined_unit(matchers) or "", "body.matchers")
    row = await silences.create_silence(silences.CreateSilence(
        matchers, body.starts_at, body.ends_at, body.comment, caller.subject, runtime.clock.now()), uow)
    return SilenceOut(**row)


@router.get("", response_model=list[SilenceOut])
async def list_silences(
    expired: bool = False, caller: Principal = Depends(require_roles()),
    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
) -> list[SilenceOut]:
    rows = await repository.list_silences(uow.session, include_expired=expired, at=runtime.clock.now())
    return [SilenceOut(**r) for r in rows if silences.visible(r["matchers"], caller.unit_prefixes())]


@router.delete("/{silence_id}", status_code=204)
async def delete_silence(silence_id: uuid.UUID, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> Response:
    await silences.delete_silence(silences.DeleteSilence(silence_id, caller.unit_prefixes(), runtime.clock.now()), uow)
    return Response(status_code=204)
