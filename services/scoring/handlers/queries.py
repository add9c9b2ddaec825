"""Reads the commands and the read endpoints share: the scheme in force, the lights, completeness."""

from __future__ import annotations

from dataclasses import dataclass

from services.scoring.adapters import counter_repository, org_repository, recovery_repository, scheme_repository
from services.scoring.domain import org_units, recovery
from services.scoring.domain.rollup import unit_lights
from services.scoring.domain.scheme import Scheme, parse_scheme
from services.scoring.domain.scoring import missing_facts
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def scheme_in_force(uow: UnitOfWork, period: str) -> Scheme:
    doc = await scheme_repository.document_in_force(uow.session, period)
    if doc is None:
        raise NotFound(f"{period} 没有生效的评分方案")
    return parse_scheme(doc)


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
