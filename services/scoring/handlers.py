"""scoring's commands and event handlers: one function each, (command, uow) -> result."""

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
    rescore_repository,
    scheme_repository,
    score_repository,
)
from services.scoring.domain import org_units, periods, publication, recovery
from services.scoring.domain.counters import KNOWN
from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.raw_records import KINDS
from services.scoring.domain.scheme import Scheme, parse_scheme
from shared.events.audit import ErrorReported
from shared.events.scoring import PublishedUnitScore, RecoveryWarningIssued, ScoresPublished
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


async def upsert_org_units(units: Sequence[org_units.OrgUnit], uow: UnitOfWork, now: datetime) -> int:
    existing = await org_repository.all_units(uow.session)
    org_units.check_batch(units, existing)
    await org_repository.upsert(uow.session, units, now)
    await uow.commit()
    return len(units)


async def add_scheme(doc: dict[str, Any], uow: UnitOfWork, now: datetime) -> bool:
    """Store a new scheme version; False when the very same document was stored before (a retry)."""
    scheme = parse_scheme(doc)
    if not await scheme_repository.add(uow.session, doc, now):
        if await scheme_repository.get_document(uow.session, scheme.code) == doc:
            return False
        raise Conflict(f"scheme {scheme.code} exists; schemes are versions: post a new code")
    await uow.commit()
    return True


async def scheme_in_force(uow: UnitOfWork, period: str) -> Scheme:
    doc = await scheme_repository.document_in_force(uow.session, period)
    if doc is None:
        raise NotFound(f"no scheme is in force for {period}")
    return parse_scheme(doc)


async def _check_stations(uow: UnitOfWork, units: Sequence[str], field: str) -> None:
    known = await org_repository.all_units(uow.session)
    errors = [{"field": f"{field}[{i}].unit", "message": f"unknown station {u}"}
              for i, u in enumerate(units) if u not in known or known[u].level != "station"]
    if errors:
        raise InvalidInput("Unknown units", errors)


async def put_counters(period: str, batch_id: str, rows: Sequence[tuple[str, Mapping[str, int]]],
                       uow: UnitOfWork, now: datetime) -> bool:
    """Apply a batch of reported counters; False (and no change) when the batch was applied before."""
    errors = [{"field": f"rows[{i}].counters.{c}", "message": "unknown counter"}
              for i, (_, cs) in enumerate(rows) for c in cs if c not in KNOWN]
    if errors:
        raise InvalidInput("Unknown counters", errors)
    await _check_stations(uow, [u for u, _ in rows], "rows")
    if not await counter_repository.claim_batch(uow.session, batch_id, period, len(rows), now):
        return False
    merged: dict[str, dict[str, int]] = {}
    for unit, cs in rows:
        merged.setdefault(unit, {}).update(cs)
    await counter_repository.put_reported(uow.session, period, merged, now)
    await uow.commit()
    return True


async def import_records(kind: str, period: str, fmt: str, chunks: AsyncIterator[bytes], uow: UnitOfWork,
                         now: datetime) -> raw_ingest.IngestResult:
    """One raw file, atomically: every row valid and aggregated into its units' counters, or nothing."""
    if kind not in KINDS:
        raise InvalidInput("Unknown record kind", [{"field": "kind", "message": f"one of {', '.join(KINDS)}"}])
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput("Unknown format", [{"field": "format", "message": "csv or ndjson"}])
    first, last = periods.bounds(period)
    result = await raw_ingest.ingest(uow.session, KINDS[kind], period, fmt, chunks, first, last, now)
    await uow.commit()
    return result


async def on_error_reported(event: ReceivedEvent, uow: UnitOfWork) -> None:
    """An error counts once into bills_erroneous of its unit and period (the inbox dedups); a period
    already scored is queued to be scored again (DESIGN §3: the error re-scores its period)."""
    e: ErrorReported = event.payload
    await counter_repository.increment(uow.session, e.period, e.unit, "bills_erroneous", 1,
                                       counter_repository.EVENTS, event.envelope.time)
    if await score_repository.latest_revision(uow.session, e.period) is not None:
        await rescore_repository.request(uow.session, e.period, event.envelope.time)


async def put_recovery_facts(period: str, rows: Sequence[dict[str, Any]], uow: UnitOfWork, now: datetime) -> None:
    await recovery_repository.put_facts(uow.session, period, rows, now)
    await uow.commit()


async def put_recovery_tasks(year: int, rows: Sequence[dict[str, Any]], uow: UnitOfWork) -> None:
    stored = []
    for i, r in enumerate(rows):
        profile = recovery.check_profile(r.get("profile") or recovery.EVEN_PROFILE, f"rows[{i}].profile")
        stored.append({**r, "profile": list(profile)})
    await recovery_repository.put_tasks(uow.session, year, stored)
    await uow.commit()


async def lights(uow: UnitOfWork, period: str, scheme: Scheme) -> dict[str, recovery.LightResult]:
    facts = await recovery_repository.facts_of_year(uow.session, period)
    tasks = await recovery_repository.tasks_of_year(uow.session, int(period[:4]))
    out = {}
    for unit in sorted(set(facts) | set(tasks)):
        result = recovery.light_for(unit, period, facts.get(unit, []), tasks.get(unit), scheme.lights)
        if result is not None:
            out[unit] = result
    return out


@dataclass(frozen=True)
class ScoreRun:
    period: str
    revision: int
    scheme: str
    rows: list[dict[str, Any]]
    warnings: int
    created: bool = True


async def score_period(period: str, by: str, uow: UnitOfWork, now: datetime,
                       idempotency_key: str | None = None) -> ScoreRun:
    """Score every station and county as a new revision; emit ScoresPublished and the lights.
    A repeated idempotency key returns the run it made the first time, with no new revision."""
    scheme = await scheme_in_force(uow, period)
    revision = await score_repository.next_revision(uow.session, period)
    if idempotency_key is not None:
        earlier = await score_repository.run_by_key(uow.session, idempotency_key)
        if earlier is not None:
            rows = await score_repository.list_scores(uow.session, earlier["period"], earlier["revision"], None)
            return ScoreRun(earlier["period"], earlier["revision"], earlier["scheme"], rows, 0, created=False)
    await rescore_repository.clear(uow.session, period)  # before the counters are read
    units = await org_repository.all_units(uow.session)
    counters = await counter_repository.effective(uow.session, period)
    unit_lights = await lights(uow, period, scheme)
    rows = publication.score_units(scheme, units, counters, unit_lights)
    await score_repository.add_run(uow.session, period, revision, scheme.code, by, now, rows, idempotency_key)
    uow.emit(ScoresPublished(
        period=period, revision=revision, scheme=scheme.code, ticket_threshold=scheme.ticket_threshold,
        published_at=now, units=[PublishedUnitScore(**u) for u in publication.published_units(rows)],
    ), subject=period, key=period)
    issued = await recovery_repository.issued_lights(uow.session, period)
    warnings = 0
    for unit, light in unit_lights.items():
        metrics = publication.light_metrics(light)
        if issued.get(unit) == (light.light, metrics):
            continue  # one warning per unit and month, unless its light or metrics changed
        uow.emit(RecoveryWarningIssued(
            unit=unit, period=period, light=light.light, recovery_rate=light.recovery_rate,
            current_year_rate=light.current_year_rate, previous_years_rate=light.previous_years_rate,
            arrears_progress=light.arrears_progress, thresholds={k: dict(v) for k, v in scheme.lights.items()},
            issued_at=now), subject=unit)
        await recovery_repository.save_light(uow.session, unit, period, light.light, metrics, now)
        warnings += 1
    await uow.commit()
    return ScoreRun(period, revision, scheme.code, rows, warnings)
