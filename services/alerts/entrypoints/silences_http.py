"""Silences: POST/GET/DELETE /api/v1/silences."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from services.alerts.adapters import repository
from services.alerts.entrypoints.schemas import SilenceIn, SilenceOut
from shared.auth import Principal
from shared.errors import InvalidInput, NotFound
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.scope import ensure_writable
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])
WRITE_ROLES = ("admin", "customer_service", "marketing", "system")


def _unit_of(matchers: list[dict]) -> str | None:
    """The unit a silence is confined to: its exact `unit` matcher (none, or a regex: city-wide)."""
    units = [m["value"] for m in matchers if m["name"] == "unit" and not m.get("is_regex", False)]
    return units[0] if len(units) == 1 else None


def _visible(caller: Principal, row: dict) -> bool:
    """A scoped caller sees and deletes only silences confined to a unit of its subtree."""
    unit = _unit_of(row["matchers"])
    return caller.sees_all_units or (unit is not None and caller.may_see(unit))


@router.post("", status_code=201, response_model=SilenceOut)
async def create_silence(body: SilenceIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> SilenceOut:
    now = runtime.clock.now()
    starts = body.starts_at or now
    if starts.tzinfo is None or body.ends_at.tzinfo is None:
        raise InvalidInput("时间须带时区偏移（如 +08:00 或 Z）",
                      errors=[{"field": "body.ends_at", "message": "须为带时区偏移的时间"}])
    if body.ends_at <= starts:
        raise InvalidInput("ends_at 须晚于 starts_at",
                      errors=[{"field": "body.ends_at", "message": "须晚于 starts_at"}])
    ensure_writable(caller, _unit_of(body.model_dump()["matchers"]) or "", "body.matchers")
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
    return [SilenceOut(**r) for r in rows if _visible(caller, r)]


@router.delete("/{silence_id}", status_code=204)
async def delete_silence(silence_id: uuid.UUID, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> Response:
    row = await repository.get_silence(uow.session, silence_id)
    if row is None or not _visible(caller, row) \
            or not await repository.delete_silence(uow.session, silence_id, runtime.clock.now()):
        raise NotFound(f"没有静默规则 {silence_id}")
    await uow.commit()
    return Response(status_code=204)
