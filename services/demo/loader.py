"""load_demo: a city bureau's year, written through the public HTTP API of a running m2c."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import httpx

from services.demo import escalation_steps as escalation
from services.demo import facts_steps as facts
from services.demo import review_steps
from services.demo import workflow_steps as flow
from services.demo.api import Api
from services.demo.clock import ShiftableClock
from services.demo.org import CITY
from services.demo.periods import add_months
from services.demo.plan import DemoPlan, make_plan
from services.demo.timeline import after_month

log = logging.getLogger(__name__)


@dataclass
class DemoSummary:
    seed: int
    periods: list[str]  # the twelve complete months, scored
    current: str = ""  # the month under way: partly loaded, not scored
    counties: int = 0
    stations: int = 0
    customers: int = 0
    errors: int = 0
    tickets: int = 0
    escalated: int = 0
    acknowledged: int = 0
    credit: dict = field(default_factory=dict)
    review: review_steps.ReviewSummary | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 1)


class _Stopwatch:
    def __init__(self, summary: DemoSummary, say: Callable[[str], None]):
        self.summary, self.say, self.started = summary, say, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.summary.seconds[name] = round(now - self.started, 2)
        self.say(f"demo: {name} ({self.summary.seconds[name]:.1f} s)")
        self.started = now


def _default_secret() -> str:
    from shared.settings import Settings

    return Settings().resolved_jwt_secret()


async def demo_is_loaded(client: httpx.AsyncClient, *, secret: str | None = None) -> bool:
    """True when the org tree's root (QY) exists: a database with data is never loaded again."""
    api = Api(client, secret or _default_secret())
    body = await api.call("GET", "/api/v1/org-units", params={"under": CITY[0]})
    return any(u["code"] == CITY[0] for u in body["items"])


async def load_demo(client: httpx.AsyncClient, *, seed: int = 2026, customers: int = 20_000, size: float = 1.0,
                    today: date | None = None, raw_months: int = 2, secret: str | None = None,
                    clock: ShiftableClock | None = None, say: Callable[[str], None] = log.info) -> DemoSummary:
    """Generate the demo from `seed` and write it through the API of the app behind `client`.

    `size` scales the number of stations (1.0 → 60); `today` fixes the twelve months (the last
    complete month and the eleven before it). With `clock` (the app's own, in-process), history is
    written at past moments, so tickets run overdue and escalate; without it, at the server's now.
    """
    api = Api(client, secret or _default_secret())
    summary = DemoSummary(seed, [], customers=customers)
    watch = _Stopwatch(summary, say)
    plan = make_plan(seed, customers=customers, size=size, today=today or date.today())
    summary.periods, summary.current = plan.periods, plan.current
    summary.counties, summary.stations = len(plan.tree.counties), len(plan.tree.stations)
    watch.lap("plan")

    await facts.org_units(api, plan.tree)
    await _reference_data(api, plan)
    watch.lap("org units, channels, subscriptions, silences, escalation policies, recovery tasks")
    reported = await _months(api, plan, raw_months, clock)
    watch.lap(f"facts ({raw_months} months raw), errors, scoring and tickets of {len(plan.periods)} months")
    reported += await _current_month(api, plan, clock)
    summary.errors = len(reported)
    watch.lap(f"{plan.current} so far: facts of {len(plan.current_counters)} stations, not scored")
    for error, fate in reported:
        await flow.settle_error(api, error, fate, plan.walk_rng, clock)
    _set(clock, None)
    watch.lap("errors root-caused, rectified, closed")
    summary.tickets, summary.escalated = await _tickets(api, plan, clock, say)
    watch.lap("tickets raised and walked, escalations")
    summary.review = await review_steps.bill_review(api, plan)
    watch.lap(f"bill review of {summary.review.period}: {summary.review.bills} bills, {summary.review.suspects} "
              f"suspects, {summary.review.confirmed} confirmed, {summary.review.cleared} cleared")
    # The credit files upload at the real now, after the history: while it is written the app's clock
    # stands in past months, and a bill of a later month would be refused as coming from the future.
    await flow.credit_files_in(api, plan.credit)
    watch.lap(f"credit files: {customers} customers × 12 months of bills and payments")
    summary.credit = await flow.recompute_credit(api)
    watch.lap("credit recompute")
    summary.acknowledged = await flow.acknowledge_some(api)
    watch.lap("alerts acknowledged")
    say(f"demo: loaded in {summary.total_seconds:.1f} s — {summary.stations} stations, {len(plan.periods)} months "
        f"({plan.periods[0]}…{plan.periods[-1]}; {plan.current} under way), {summary.errors} errors, "
        f"{summary.tickets} tickets, {customers} customers")
    return summary


async def _reference_data(api: Api, plan: DemoPlan) -> None:
    await flow.channels(api, plan.channels, plan.tree.stations)
    await flow.subscriptions(api, plan.seed)
    await flow.silences(api)
    await escalation.escalation_policies(api, plan.seed, plan.tree.counties)
    await facts.recovery_tasks(api, plan.tasks)
    for period in sorted(plan.recovery_facts):
        if period < plan.periods[0]:
            await facts.recovery_facts(api, period, plan.recovery_facts[period])


async def _months(api: Api, plan: DemoPlan, raw_months: int, clock: ShiftableClock | None) -> list[tuple[dict, str]]:
    """Each month in turn, the clock moving forward only: facts early in the next month, errors found,
    scoring, the tickets it raised worked on over the next days; a late fact and a re-score for two
    months. (The SLA scanner runs on this clock: a stage is never escalated after it was left.)"""
    reported: list[tuple[dict, str]] = []
    periods = plan.periods
    late = {periods[-5]: 20, periods[-1]: 8}  # period → day of the next month its late fact comes
    for m, period in enumerate(periods):
        _set(clock, after_month(period, 3, 9))
        await facts.counters(api, period, plan.monthly[m], raw=m >= len(periods) - raw_months, seed=plan.seed,
                             rng=plan.raw_rng)
        await facts.recovery_facts(api, period, plan.recovery_facts[period])
        mine = [e for e in plan.errors if e.period == period]
        for k, planned in enumerate(mine):
            # found in the days after the facts came in, before the month is scored
            error = await flow.report_error(api, planned, f"demo-{plan.seed}-error-{period}-{k}", clock,
                                            after_month(period, 3 + k % 2, 10 + k % 8))
            reported.append((error, planned.fate))
        await facts.wait_for_error_counts(api, period, sum(e.bills_affected for e in mine))
        _set(clock, after_month(period, 5, 15))
        await _score_and_work_tickets(api, plan, period, clock)
        if period in late:
            _set(clock, after_month(period, late[period], 11))
            await _late_fact(api, plan, period, raw=m >= len(periods) - raw_months)
            await _score_and_work_tickets(api, plan, period, clock)
    return reported


async def _late_fact(api: Api, plan: DemoPlan, period: str, *, raw: bool) -> None:
    """A fact that came late, so the month is scored again (a second revision)."""
    m = plan.periods.index(period)
    unit = sorted(plan.monthly[m])[0]
    # raw: a roll-back caught late, on top of the raw ledger; else a corrected count of readings done
    late = {"receivable_rollbacks": 1} if raw else {"readings_done": plan.monthly[m][unit]["readings_planned"]}
    await api.call("PUT", f"/api/v1/facts/{period}/counters", role="system", json={
        "batch_id": f"demo-{plan.seed}-{period}-late", "rows": [{"unit": unit, "counters": late}]})


async def _score_and_work_tickets(api: Api, plan: DemoPlan, period: str, clock: ShiftableClock | None) -> None:
    """Score the period; the low-score tickets it raises (a new one where none is open for the unit
    and month) are taken as far as their age says, in the days after they were raised."""
    before = await flow.auto_tickets(api)
    open_low = {t["unit"] for t in before if t["reason"] == "low_score" and t["period"] == period
                and t["state"] != "closed"}
    had = sum(t["reason"] == "low_score" and t["period"] == period for t in before)
    run = await facts.score(api, period)
    low = await facts.low_scores(api, period, run["revision"])
    auto = await flow.wait_for_auto_tickets(api, period, had + len(low - open_low))
    known = {t["id"] for t in before}
    await flow.walk_auto_tickets(api, [t for t in auto if t["id"] not in known], plan.periods[-1], clock)


async def _tickets(api: Api, plan: DemoPlan, clock: ShiftableClock | None,
                   say: Callable[[str], None]) -> tuple[int, int]:
    """Tickets by hand in every state, some overdue; then the scanner's escalations at now."""
    by_hand = await flow.manual_tickets(api, plan.tickets, plan.seed, clock, say)
    escalated = await flow.wait_for_escalations(api) if clock is not None else 0
    return len(await flow.auto_tickets(api)) + by_hand, escalated


async def _current_month(api: Api, plan: DemoPlan, clock: ShiftableClock | None) -> list[tuple[dict, str]]:
    """The month under way: the counters sent so far and the errors found in it; not scored."""
    previous = add_months(plan.current, -1)
    _set(clock, after_month(previous, plan.today.day, 8))
    await facts.counters_so_far(api, plan.current, plan.current_counters, seed=plan.seed)
    reported = []
    for k, planned in enumerate(e for e in plan.errors if e.period == plan.current):
        # found in review once the station's bills are out, by today
        error = await flow.report_error(api, planned, f"demo-{plan.seed}-error-{plan.current}-{k}", clock,
                                        after_month(previous, plan.today.day, 9 + k % 8))
        reported.append((error, planned.fate))
    _set(clock, None)
    return reported


def _set(clock: ShiftableClock | None, at) -> None:
    if clock is not None:
        clock.set(at)
