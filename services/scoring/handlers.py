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
from services.scoring.domain.rollup import unit_lights
from services.scoring.domain.scheme import Scheme, parse_scheme
from services.scoring.domain.scoring import missing_facts
from shared.errors import Conflict, NotFound
from shared.events.audit import ErrorReported
from shared.events.review import BillReviewCompleted, ReviewSuspectCleared, ReviewSuspectConfirmed
from shared.events.scoring import LightCause, PublishedUnitScore, RecoveryWarningIssued, ScoresPublished
from shared.messaging.dispatch import ReceivedEvent
from shared.reference import current_period, future_period_problems, unknown_unit_problems
from shared.uow import UnitOfWork

STATION = frozenset({"station"})


class IncompletePeriod(Conflict):
    """Scoring would publish stations that lack required facts, and nobody chose to allow it: 409
    naming each incomplete station and what it lacks; the caller decides (`?allow_incomplete=true`)
    after looking at GET /periods/{p}/completeness."""

    problem_type = "urn:m2c:problem:incomplete-period"
    default_title = "Incomplete period"

    def __init__(self, period: str, incomplete: list[dict[str, Any]]):
        units = ", ".join(i["unit"] for i in incomplete)
        super().__init__(
            f"{period}：{len(incomplete)} 个供电所缺少评分方案要求的数据（{units}）；"
            "如要将其标为“数据不全”发布，请带 ?allow_incomplete=true 评分",
            errors=[{"field": "allow_incomplete", "message": f"{i['unit']} 缺少 {', '.join(i['missing'])}",
                     "unit": i["unit"], "missing": i["missing"]} for i in incomplete],
            extra={"incomplete": incomplete})
        self.period = period
        self.incomplete = incomplete


def check_period(period: str, now: datetime, field: str = "period") -> None:
    """A fact or a score for a month that has not begun (Asia/Shanghai, the runtime's clock) is refused."""
    problems = future_period_problems([(field, period)], now)
    if problems:
        raise InvalidInput("账期尚未开始", problems)


async def check_units(uow: UnitOfWork, pairs: Sequence[tuple[str, str]], levels: frozenset[str] | None) -> None:
    problems = await unknown_unit_problems(uow.session, pairs, levels)
    if problems:
        raise InvalidInput("单位无效", problems)


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
        raise Conflict(f"评分方案 {scheme.code} 已存在；方案按版本管理，请用新编码提交")
    await uow.commit()
    return True


async def scheme_in_force(uow: UnitOfWork, period: str) -> Scheme:
    doc = await scheme_repository.document_in_force(uow.session, period)
    if doc is None:
        raise NotFound(f"{period} 没有生效的评分方案")
    return parse_scheme(doc)


async def put_counters(period: str, batch_id: str, rows: Sequence[tuple[str, Mapping[str, int]]],
                       uow: UnitOfWork, now: datetime) -> bool:
    """Apply a batch of reported counters; False (and no change) when the batch was applied before."""
    errors = [{"field": f"rows[{i}].counters.{c}", "message": "未知计数项"}
              for i, (_, cs) in enumerate(rows) for c in cs if c not in KNOWN]
    if errors:
        raise InvalidInput("计数项无效", errors)
    check_period(period, now)
    await check_units(uow, [(f"rows[{i}].unit", u) for i, (u, _) in enumerate(rows)], STATION)
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
        raise InvalidInput("未知记录类型", [{"field": "kind", "message": f"须为以下之一：{', '.join(KINDS)}"}])
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput("未知格式", [{"field": "format", "message": "须为 csv 或 ndjson"}])
    check_period(period, now)
    first, last = periods.bounds(period)
    result = await raw_ingest.ingest(uow.session, KINDS[kind], period, fmt, chunks, first, last, now)
    await uow.commit()
    return result


async def on_error_reported(event: ReceivedEvent, uow: UnitOfWork) -> None:
    """An error adds the bills it touched (`bills_affected`) once into bills_erroneous of its unit and
    period (the inbox dedups); a period already scored is queued to be scored again (DESIGN §3)."""
    e: ErrorReported = event.payload
    await counter_repository.increment(uow.session, e.period, e.unit, "bills_erroneous", e.bills_affected,
                                       counter_repository.EVENTS, event.envelope.time)
    await _rescore_if_scored(uow, e.period, event.envelope.time)


async def _rescore_if_scored(uow: UnitOfWork, period: str, at: datetime) -> None:
    if await score_repository.latest_revision(uow.session, period) is not None:
        await rescore_repository.request(uow.session, period, at)


async def on_bill_review_completed(event: ReceivedEvent, uow: UnitOfWork) -> None:
    """A unit's review snapshot sets (never adds) its `review` counters for the period: bills reviewed,
    suspects on record (open + confirmed + cleared: a decided suspect stays even when a re-run no longer
    raises it), open, handled (confirmed + cleared). A scored period is queued to be scored again."""
    e: BillReviewCompleted = event.payload
    await counter_repository.set_values(uow.session, e.period, e.unit, {
        "bills_reviewed": e.bills, "review_suspects": e.open + e.confirmed + e.cleared,
        "review_suspects_open": e.open, "review_suspects_handled": e.confirmed + e.cleared,
    }, counter_repository.REVIEW, event.envelope.time)
    await _rescore_if_scored(uow, e.period, event.envelope.time)


async def on_review_suspect_decided(event: ReceivedEvent, uow: UnitOfWork) -> None:
    """A suspect confirmed or cleared between two runs moves one suspect from open to handled in the
    unit's latest snapshot (the next snapshot sets the same figures anyway). Without a snapshot there is
    nothing to adjust: the counters stay unreported until BillReviewCompleted arrives."""
    e: ReviewSuspectConfirmed | ReviewSuspectCleared = event.payload
    if await counter_repository.adjust_existing(
            uow.session, e.period, e.unit, {"review_suspects_open": -1, "review_suspects_handled": 1},
            counter_repository.REVIEW, event.envelope.time):
        await _rescore_if_scored(uow, e.period, event.envelope.time)


async def put_recovery_facts(period: str, rows: Sequence[dict[str, Any]], uow: UnitOfWork, now: datetime) -> None:
    """Facts of any level: a county's or the city's own facts take the place of its stations' sum."""
    check_period(period, now)
    await check_units(uow, [(f"rows[{i}].unit", r["unit"]) for i, r in enumerate(rows)], None)
    await recovery_repository.put_facts(uow.session, period, rows, now)
    await uow.commit()


async def put_recovery_tasks(year: int, rows: Sequence[dict[str, Any]], uow: UnitOfWork, now: datetime) -> None:
    current_year = int(current_period(now)[:4])
    if year > current_year:
        raise InvalidInput("年份尚未开始", [
            {"field": "year", "message": f"{year} 年晚于今年（{current_year} 年）"}])
    await check_units(uow, [(f"rows[{i}].unit", r["unit"]) for i, r in enumerate(rows)], None)
    stored = []
    for i, r in enumerate(rows):
        profile = recovery.check_profile(r.get("profile") or recovery.EVEN_PROFILE, f"rows[{i}].profile")
        stored.append({**r, "profile": list(profile)})
    await recovery_repository.put_tasks(uow.session, year, stored)
    await uow.commit()


async def lights(uow: UnitOfWork, period: str, scheme: Scheme,
                 units: dict[str, org_units.OrgUnit] | None = None) -> dict[str, recovery.LightResult]:
    """Every unit's light for the period, from facts only, rolled up the org tree."""
    units = units if units is not None else await org_repository.all_units(uow.session)
    facts = await recovery_repository.facts_of_year(uow.session, period)
    tasks = await recovery_repository.tasks_of_year(uow.session, int(period[:4]))
    return unit_lights(units, facts, tasks, period, scheme.lights)


@dataclass(frozen=True)
class Completeness:
    period: str
    scheme: Scheme
    units: dict[str, org_units.OrgUnit]
    missing: dict[str, tuple[str, ...]]  # station → required facts it never reported
    reported: dict[str, list[str]]  # station → counters it reported
    lit: set[str]  # units that will have a recovery light (facts for the month, own or rolled up)


async def completeness(period: str, uow: UnitOfWork) -> Completeness:
    scheme = await scheme_in_force(uow, period)
    units = await org_repository.all_units(uow.session)
    counters = await counter_repository.effective(uow.session, period)
    stations = [u for u in units.values() if u.level == "station"]
    lit = set(await lights(uow, period, scheme, units))
    return Completeness(period, scheme, units, {s.code: missing_facts(scheme, counters.get(s.code)) for s in stations},
                        {s.code: sorted(counters.get(s.code, {})) for s in stations}, lit)


@dataclass(frozen=True)
class ScoreRun:
    period: str
    revision: int
    scheme: str
    rows: list[dict[str, Any]]
    warnings: int
    created: bool = True
    allow_incomplete: bool = False


def _warning(unit: org_units.OrgUnit | None, code: str, light: recovery.LightResult, scheme: Scheme,
             now: datetime) -> RecoveryWarningIssued:
    return RecoveryWarningIssued(
        unit=code, period=light.period, light=light.light, recovery_rate=light.recovery_rate,
        current_year_rate=light.current_year_rate, previous_years_rate=light.previous_years_rate,
        arrears_progress=light.arrears_progress, thresholds={k: dict(v) for k, v in scheme.lights.items()},
        issued_at=now, level=light.level, causes=[LightCause(**c) for c in light.causes],
        message=recovery.warning_message(unit.name if unit else code, light))


async def score_period(period: str, by: str, uow: UnitOfWork, now: datetime,
                       idempotency_key: str | None = None, allow_incomplete: bool | None = None) -> ScoreRun:
    """Score every station, county and the city as a new revision; emit ScoresPublished and the lights.
    Stations lacking required facts need `allow_incomplete` (None: the choice of the latest run, as the
    re-scorer does); otherwise IncompletePeriod. A repeated idempotency key returns the run it made the
    first time, with no new revision."""
    check_period(period, now)
    scheme = await scheme_in_force(uow, period)
    revision = await score_repository.next_revision(uow.session, period)
    if idempotency_key is not None:
        earlier = await score_repository.run_by_key(uow.session, idempotency_key)
        if earlier is not None:
            rows = await score_repository.list_scores(uow.session, earlier["period"], earlier["revision"], None)
            return ScoreRun(earlier["period"], earlier["revision"], earlier["scheme"], rows, 0, created=False,
                            allow_incomplete=earlier["allow_incomplete"])
    if allow_incomplete is None:
        allow_incomplete = await score_repository.latest_allow_incomplete(uow.session, period)
    await rescore_repository.clear(uow.session, period)  # before the counters are read
    units = await org_repository.all_units(uow.session)
    counters = await counter_repository.effective(uow.session, period)
    incomplete = [{"unit": u.code, "missing": list(m)} for u in units.values() if u.level == "station"
                  and (m := missing_facts(scheme, counters.get(u.code)))]
    if incomplete and not allow_incomplete:
        raise IncompletePeriod(period, incomplete)
    unit_lights_ = await lights(uow, period, scheme, units)
    rows = publication.score_units(scheme, units, counters, unit_lights_)
    await score_repository.add_run(uow.session, period, revision, scheme.code, by, now, rows, idempotency_key,
                                   allow_incomplete)
    uow.emit(ScoresPublished(
        period=period, revision=revision, scheme=scheme.code, ticket_threshold=scheme.ticket_threshold,
        published_at=now, units=[PublishedUnitScore(**u) for u in publication.published_units(rows)],
    ), subject=period, key=period)
    issued = await recovery_repository.issued_lights(uow.session, period)
    warnings = 0
    for code, light in unit_lights_.items():
        metrics = publication.light_metrics(light)
        if issued.get(code) == (light.light, metrics):
            continue  # one warning per unit and month, unless its light or metrics changed
        uow.emit(_warning(units.get(code), code, light, scheme, now), subject=code)
        await recovery_repository.save_light(uow.session, code, period, light.light, metrics, now)
        warnings += 1
    await uow.commit()
    return ScoreRun(period, revision, scheme.code, rows, warnings, allow_incomplete=allow_incomplete)
