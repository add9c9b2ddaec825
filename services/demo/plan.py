"""Everything the demo will write, generated up front from the seed (pure: no I/O)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from services.demo import counters as counter_gen
from services.demo import current_month
from services.demo import customers as customer_gen
from services.demo import errors as error_gen
from services.demo import recovery as recovery_gen
from services.demo import tickets as ticket_gen
from services.demo.org import OrgTree, build_org
from services.demo.periods import add_months, months
from services.demo.profiles import GOOD, station_health


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    today: date
    periods: list[str]
    tree: OrgTree
    health: dict[str, list[str]]
    monthly: list[dict[str, dict[str, int]]]  # per period: unit → counters
    current: str  # the month under way (not scored)
    current_stage: dict[str, str]  # unit → billed | read | not_yet
    current_counters: dict[str, dict[str, int]]  # what has come in so far
    tasks: dict[int, list[dict]]
    recovery_facts: dict[str, list[dict]]
    errors: list[error_gen.PlannedError]
    tickets: list[ticket_gen.PlannedTicket]
    channels: dict[str, list[str]]
    credit: list[customer_gen.CreditFiles]  # uploaded side by side
    walk_rng: random.Random
    raw_rng: random.Random


def _seeds(seed: int) -> list[float]:
    """One sub-seed per generator, so each part can be made again on its own."""
    rng = random.Random(seed)
    return [rng.random() for _ in range(10)]


def credit_files(seed: int, *, customers: int, size: float, today: date, parts: int = 2) -> list[
        customer_gen.CreditFiles]:
    """The customers, bills and payments make_plan makes, alone."""
    return customer_gen.generate(random.Random(_seeds(seed)[6]), build_org(size).stations, months(today),
                                 customers, parts=parts, today=today)


def make_plan(seed: int, *, customers: int, size: float, today: date) -> DemoPlan:
    seeds = _seeds(seed)
    periods = months(today)
    tree = build_org(size)
    stations = tree.stations
    health = station_health(random.Random(seeds[0]), stations, len(periods))
    counter_rng = random.Random(seeds[1])
    base = {s.code: counter_gen.base_readings(counter_rng, s.area_type) for s in stations}
    # one month more than the periods: the month under way, as it will be once complete
    monthly = [{s.code: counter_gen.month_counters(counter_rng, base[s.code], health[s.code][min(m, len(periods) - 1)])
                for s in stations} for m in range(len(periods) + 1)]
    current = add_months(periods[-1], 1)
    stage = current_month.progress(random.Random(seeds[9]), [s.code for s in stations], today.day)
    so_far = current_month.counters_so_far(monthly.pop(), stage)
    tasks, recovery_facts = recovery_gen.plan(random.Random(seeds[2]), stations, f"{periods[0][:4]}-01", periods[-1])
    errors = error_gen.plan(random.Random(seeds[3]), health, periods, current,
                            [u for u, s in stage.items() if s == current_month.BILLED])
    weak = [(s.code, s.name) for s in stations if health[s.code][-1] != GOOD] or [(stations[0].code, stations[0].name)]
    tickets = ticket_gen.plan(random.Random(seeds[4]), weak, periods)
    channels = customer_gen.unit_channels(random.Random(seeds[5]), stations)
    credit = credit_files(seed, customers=customers, size=size, today=today)
    return DemoPlan(seed, today, periods, tree, health, monthly, current, stage, so_far, tasks, recovery_facts, errors,
                    tickets, channels, credit, walk_rng=random.Random(seeds[7]), raw_rng=random.Random(seeds[8]))
