"""Payment channels: set the channel types a unit offers (its compliance follows from them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.alerts.adapters import channels_repository
from shared.errors import InvalidInput
from shared.reference import unknown_unit_problems
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class SetChannels:
    unit: str
    area_type: str  # "urban" | "rural"
    channel_types: Sequence[str]
    at: datetime


async def set_channels(cmd: SetChannels, uow: UnitOfWork) -> dict[str, Any]:
    """Replace the unit's channel types (InvalidInput for an unknown unit); committed. Returns the row."""
    problems = await unknown_unit_problems(uow.session, [("unit", cmd.unit)])
    if problems:
        raise InvalidInput(title="单位无效", detail=problems[0]["message"], errors=problems)
    values = {"unit": cmd.unit, "area_type": cmd.area_type, "channel_types": sorted(set(cmd.channel_types)),
              "updated_at": cmd.at}
    await channels_repository.put(uow.session, values)
    await uow.commit()
    return values
