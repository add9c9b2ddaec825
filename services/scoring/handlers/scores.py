"""Scoring a period: every station, county and the city as a new revision, published with the lights."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.scoring.adapters import (
    counter_repository,
    org_repository,
    recovery_repository,
    rescore_repository,
    score_repository,
)
from services.scoring.domain import org_units, publication, recovery
from services.scoring.domain.errors import IncompletePeriod
from services.scoring.domain.publication import ScoredUnit
from services.scoring.domain.scheme import Scheme
from services.scoring.domain.scoring import incomplete_stations
from services.scoring.handlers.queries import lights, scheme_in_force
from services.scoring.handlers.reference import check_period
from shared.events.scoring import LightCause, PublishedUnitScore, RecoveryWarningIssued, ScoresPublished
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ScorePeriod:
    period: str
    by: str  # who scores: a user, "cli", the re-scorer
    at: datetime
    idempotency_key: str | None = None
    allow_incomplete: bool | None = None  # None: the choice of the period's latest run (the re-scorer)


@dataclass(frozen=True)
class ScoreRun:
    period: str
    revision: int
    scheme: str
    rows: list[ScoredUnit] = field(repr=False)
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


async def score_period(cmd: ScorePeriod, uow: UnitOfWork) -> ScoreRun:
    """Score every station, county and the city as a new revision; emit ScoresPublished and the lights.
    Stations lacking required facts need `allow_incomplete` (None: the choice of the latest run, as the
    re-scorer does); otherwise IncompletePeriod. A repeated idempotency key returns the run it made the
    first time, with no new revision."""
    period, now = cmd.period, cmd.at
    check_period(period, now)
    scheme = await scheme_in_force(uow, period)
    revision = await score_repository.next_revision(uow.session, period)
    if cmd.idempotency_key is not None:
        earlier = await score_repository.run_by_key(uow.session, cmd.idempotency_key)
        if earlier is not None:
            stored = await score_repository.list_scores(uow.session, earlier["period"], earlier["revision"], None)
            return ScoreRun(earlier["period"], earlier["revision"], earlier["scheme"],
                            [ScoredUnit.from_record(r) for r in stored], 0, created=False,
                            allow_incomplete=earlier["allow_incomplete"])
    allow_incomplete = cmd.allow_incomplete
    if allow_incomplete is None:
        allow_incomplete = await score_repository.latest_allow_incomplete(uow.session, period)
    await rescore_repository.clear(uow.session, period)  # before the counters are read
    units = await org_repository.all_units(uow.session)
    counters = await counter_repository.effective(uow.session, period)
    incomplete = incomplete_stations(scheme, (u.code for u in units.values() if u.level == "station"), counters)
    if incomplete and not allow_incomplete:
        raise IncompletePeriod(period, incomplete)
    unit_lights_ = await lights(uow, period, scheme, units)
    rows = publication.score_units(scheme, units, counters, unit_lights_)
    await score_repository.add_run(uow.session, period, revision, scheme.code, cmd.by, now, rows,
                                   cmd.idempotency_key, allow_incomplete)
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
