"""The facts scoring is computed on: org units, schemes, reported counters, raw files, recovery facts
and tasks. Each command is applied in one transaction, or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.scoring.adapters import (
    counter_repository,
    org_repository,
    raw_ingest,
    recovery_repository,
    scheme_repository,
)
from services.scoring.domain import counters, org_units, periods, recovery
from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.raw_records import KINDS
from services.scoring.domain.scheme import parse_scheme
from services.scoring.handlers.reference import STATION, check_period, check_units
from shared.errors import Conflict
from shared.reference import current_period
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class UpsertOrgUnits:
    units: Sequence[org_units.OrgUnit]
    at: datetime


async def upsert_org_units(cmd: UpsertOrgUnits, uow: UnitOfWork) -> int:
    existing = await org_repository.all_units(uow.session)
    org_units.check_batch(cmd.units, existing)
    await org_repository.upsert(uow.session, cmd.units, cmd.at)
    await uow.commit()
    return len(cmd.units)


@dataclass(frozen=True)
class AddScheme:
    document: dict[str, Any]
    at: datetime


async def add_scheme(cmd: AddScheme, uow: UnitOfWork) -> bool:
    """Store a new scheme version; False when the very same document was stored before (a retry)."""
    scheme = parse_scheme(cmd.document)
    if not await scheme_repository.add(uow.session, cmd.document, cmd.at):
        if await scheme_repository.get_document(uow.session, scheme.code) == cmd.document:
            return False
        raise Conflict(f"评分方案 {scheme.code} 已存在；方案按版本管理，请用新编码提交")
    await uow.commit()
    return True


@dataclass(frozen=True)
class PutCounters:
    period: str
    batch_id: str
    rows: Sequence[tuple[str, Mapping[str, int]]]  # (station, its counters)
    at: datetime


async def put_counters(cmd: PutCounters, uow: UnitOfWork) -> bool:
    """Apply a batch of reported counters; False (and no change) when the batch was applied before."""
    if errors := counters.unknown_counter_problems(cmd.rows):
        raise InvalidInput("计数项无效", errors)
    check_period(cmd.period, cmd.at)
    await check_units(uow, [(f"rows[{i}].unit", u) for i, (u, _) in enumerate(cmd.rows)], STATION)
    if not await counter_repository.claim_batch(uow.session, cmd.batch_id, cmd.period, len(cmd.rows), cmd.at):
        return False
    await counter_repository.put_reported(uow.session, cmd.period, counters.merged_by_unit(cmd.rows), cmd.at)
    await uow.commit()
    return True


@dataclass(frozen=True)
class ImportRecords:
    kind: str
    period: str
    format: str  # csv | ndjson
    chunks: AsyncIterator[bytes]
    at: datetime


async def import_records(cmd: ImportRecords, uow: UnitOfWork) -> raw_ingest.IngestResult:
    """One raw file, atomically: every row valid and aggregated into its units' counters, or nothing."""
    if cmd.kind not in KINDS:
        raise InvalidInput("未知记录类型", [{"field": "kind", "message": f"须为以下之一：{', '.join(KINDS)}"}])
    if cmd.format not in ("csv", "ndjson"):
        raise InvalidInput("未知格式", [{"field": "format", "message": "须为 csv 或 ndjson"}])
    check_period(cmd.period, cmd.at)
    first, last = periods.bounds(cmd.period)
    result = await raw_ingest.ingest(uow.session, KINDS[cmd.kind], cmd.period, cmd.format, cmd.chunks, first, last,
                                     cmd.at)
    await uow.commit()
    return result


@dataclass(frozen=True)
class PutRecoveryFacts:
    period: str
    rows: Sequence[dict[str, Any]]
    at: datetime


async def put_recovery_facts(cmd: PutRecoveryFacts, uow: UnitOfWork) -> None:
    """Facts of any level: a county's or the city's own facts take the place of its stations' sum."""
    check_period(cmd.period, cmd.at)
    await check_units(uow, [(f"rows[{i}].unit", r["unit"]) for i, r in enumerate(cmd.rows)], None)
    await recovery_repository.put_facts(uow.session, cmd.period, cmd.rows, cmd.at)
    await uow.commit()


@dataclass(frozen=True)
class PutRecoveryTasks:
    year: int
    rows: Sequence[dict[str, Any]]
    at: datetime


async def put_recovery_tasks(cmd: PutRecoveryTasks, uow: UnitOfWork) -> None:
    recovery.check_task_year(cmd.year, int(current_period(cmd.at)[:4]))
    await check_units(uow, [(f"rows[{i}].unit", r["unit"]) for i, r in enumerate(cmd.rows)], None)
    stored = []
    for i, r in enumerate(cmd.rows):
        profile = recovery.check_profile(r.get("profile") or recovery.EVEN_PROFILE, f"rows[{i}].profile")
        stored.append({**r, "profile": list(profile)})
    await recovery_repository.put_tasks(uow.session, cmd.year, stored)
    await uow.commit()
