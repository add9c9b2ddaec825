"""Silences: create one (a label matcher set with a time window) and delete one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.alerts.adapters import repository
from services.alerts.domain.silences import check_window, confined_unit
from shared.errors import NotFound
from shared.scope import unit_in
from shared.uow import UnitOfWork


def visible(matchers: Sequence[Mapping[str, Any]], scope: Sequence[str] | None) -> bool:
    """A scoped caller (scope: its unit prefixes; None = city-wide) sees and deletes only silences
    confined to a unit of its subtree."""
    unit = confined_unit(matchers)
    return scope is None or (unit is not None and unit_in(unit, scope))


@dataclass(frozen=True)
class CreateSilence:
    matchers: Sequence[Mapping[str, Any]]  # name, value, is_regex
    starts_at: datetime | None  # None: from `at` on
    ends_at: datetime
    comment: str
    by: str
    at: datetime


async def create_silence(cmd: CreateSilence, uow: UnitOfWork) -> dict[str, Any]:
    """Store the silence (its window checked by the domain); committed. Returns the stored row."""
    starts = cmd.starts_at or cmd.at
    check_window(starts, cmd.ends_at)
    values = {"id": uuid.uuid4(), "matchers": [dict(m) for m in cmd.matchers], "starts_at": starts,
              "ends_at": cmd.ends_at, "comment": cmd.comment, "created_by": cmd.by, "created_at": cmd.at}
    await repository.add_silence(uow.session, values)
    await uow.commit()
    return values


@dataclass(frozen=True)
class DeleteSilence:
    silence_id: uuid.UUID
    scope: Sequence[str] | None  # the caller's unit prefixes (None: city-wide)
    at: datetime


async def delete_silence(cmd: DeleteSilence, uow: UnitOfWork) -> None:
    """End the silence now (NotFound when it is gone or outside the caller's scope); committed."""
    row = await repository.get_silence(uow.session, cmd.silence_id)
    if row is None or not visible(row["matchers"], cmd.scope) \
            or not await repository.delete_silence(uow.session, cmd.silence_id, cmd.at):
        raise NotFound(f"没有静默规则 {cmd.silence_id}")
    await uow.commit()
