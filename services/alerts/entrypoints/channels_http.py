"""Payment channels per unit and their compliance (urban ≥ 5 types, rural ≥ 3)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.alerts.adapters.tables import channels
from services.alerts.domain.channels import compliance
from services.alerts.entrypoints.schemas import ChannelsIn, ComplianceOut, UnitCompliance
from shared.auth import Principal
from shared.errors import InvalidInput
from shared.http.deps import ensure_visible, get_runtime, get_uow, require_roles
from shared.reference import unknown_unit_problems
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])


def _unit(row: dict) -> UnitCompliance:
    offered, target, ok = compliance(row["area_type"], row["channel_types"])
    return UnitCompliance(unit=row["unit"], area_type=row["area_type"], channel_types=sorted(set(row["channel_types"])),
                          offered=offered, target=target, compliant=ok)


@router.put("/{unit}", response_model=UnitCompliance)
async def set_channels(unit: UnitCode, body: ChannelsIn,
                       caller: Principal = Depends(require_roles("admin", "marketing", "system")),
                       uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> UnitCompliance:
    ensure_visible(caller, unit)
    problems = await unknown_unit_problems(uow.session, [("unit", unit)])
    if problems:
        raise InvalidInput(title="单位无效", detail=problems[0]["message"], errors=problems)
    values = {"unit": unit, "area_type": body.area_type, "channel_types": sorted(set(body.channel_types)),
              "updated_at": runtime.clock.now()}
    stmt = insert(channels).values(**values)
    await uow.session.execute(stmt.on_conflict_do_update(index_elements=["unit"], set_={
        k: stmt.excluded[k] for k in ("area_type", "channel_types", "updated_at")}))
    await uow.commit()
    return _unit(values)


@router.get("/compliance", response_model=ComplianceOut)
async def get_compliance(caller: Principal = Depends(require_roles()),
                         uow: UnitOfWork = Depends(get_uow)) -> ComplianceOut:
    rows = [dict(r) for r in (await uow.session.execute(select(channels).order_by(channels.c.unit))).mappings()]
    units = [_unit(r) for r in rows if caller.may_see(r["unit"])]
    return ComplianceOut(units=units, compliant=sum(u.compliant for u in units), total=len(units))
