"""Payment channels per unit and their compliance (urban ≥ 5 types, rural ≥ 3); writes: handlers.channels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from services.alerts.adapters import channels_repository
from services.alerts.domain.channels import compliance
from services.alerts.entrypoints.schemas import ChannelsIn, ComplianceOut, UnitCompliance
from services.alerts.handlers import channels
from shared.auth import Principal
from shared.http.deps import ensure_visible, get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])


def _unit(row: dict[str, Any]) -> UnitCompliance:
    offered, target, ok = compliance(row["area_type"], row["channel_types"])
    return UnitCompliance(unit=row["unit"], area_type=row["area_type"], channel_types=sorted(set(row["channel_types"])),
                          offered=offered, target=target, compliant=ok)


@router.put("/{unit}", response_model=UnitCompliance)
async def set_channels(unit: UnitCode, body: ChannelsIn,
                       caller: Principal = Depends(require_roles("admin", "marketing", "system")),
                       uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> UnitCompliance:
    ensure_visible(caller, unit)
    row = await channels.set_channels(
        channels.SetChannels(unit, body.area_type, body.channel_types, runtime.clock.now()), uow)
    return _unit(row)


@router.get("/compliance", response_model=ComplianceOut)
async def get_compliance(caller: Principal = Depends(require_roles()),
                         uow: UnitOfWork = Depends(get_uow)) -> ComplianceOut:
    units = [_unit(r) for r in await channels_repository.all_units(uow.session) if caller.may_see(r["unit"])]
    return ComplianceOut(units=units, compliant=sum(u.compliant for u in units), total=len(units))
