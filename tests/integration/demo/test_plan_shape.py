"""The full-size demo plan (60 stations) has a real bureau's shape — checked on the plan itself, since
loading it takes a minute (the API-side checks run on the small demo, test_realism.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from services.demo import current_month
from services.demo.plan import make_plan

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def plan():
    return make_plan(2026, customers=0, size=1.0, today=TODAY)


def _ytd(plan, stations: set[str]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    out: dict[str, list[Decimal]] = {}
    for period, rows in plan.recovery_facts.items():
        if period[:4] == plan.periods[-1][:4] and period <= plan.periods[-1]:
            for r in rows:
                if r["unit"] in stations:
                    acc = out.setdefault(r["unit"], [Decimal(0)] * 3)
                    for i, f in enumerate(("receivable", "collected", "arrears_recovered")):
                        acc[i] += Decimal(r[f])
    return {u: (a[0], a[1], a[2]) for u, a in out.items()}


def test_city_recovery_is_near_the_papers_99_99(plan) -> None:
    stations = {s.code for s in plan.tree.stations}
    ytd = _ytd(plan, stations)
    rate = sum(c for _, c, _ in ytd.values()) / sum(r for r, _, _ in ytd.values())
    assert Decimal("0.9997") <= rate <= Decimal("0.9999")
    # most stations collect at least 99.99 % over the year; none below 99.5 % (the scheme's red line)
    rates = sorted(c / r for r, c, _ in ytd.values())
    assert sum(x >= Decimal("0.9999") for x in rates) >= 0.85 * len(rates) and rates[0] >= Decimal("0.995")
    # arrears: the city near plan (the year's cumulative share of the annual task)
    month = int(plan.periods[-1][5:])
    target = sum((Decimal(t["annual_target"]) for t in plan.tasks[2026] if t["unit"] in stations),
                 Decimal(0)) * month / 12
    progress = sum(a for _, _, a in ytd.values()) / target
    assert Decimal("0.97") <= progress <= Decimal("1.06")


def test_errors_are_mostly_clerical_with_one_bill(plan) -> None:
    errors = plan.errors
    natures = Counter(e.body["nature"] for e in errors)
    assert 60 <= len(errors) <= 140  # ~1.5 a station a year
    assert (natures["clerical"] + natures["negligence"]) / len(errors) >= 0.9
    assert natures["clerical"] > natures["negligence"] > natures["violation"] >= natures["fraud"] >= 1
    bills = [e.bills_affected for e in errors]
    assert sum(b == 1 for b in bills) / len(bills) >= 0.7
    # a slip touches many bills only as a tariff applied to a whole batch (误套电价)
    batches = [e for e in errors if e.bills_affected >= 20 and e.body["nature"] in ("clerical", "negligence")]
    assert batches and all(e.body["category"] == "tariff" for e in batches) and max(bills) <= 300
    clerical = [abs(Decimal(e.body["amount"])) for e in errors if e.body["nature"] == "clerical"
                and e.bills_affected < 20]
    assert sum(a < 1000 for a in clerical) / len(clerical) >= 0.75


def test_nothing_is_planned_after_the_month_under_way(plan) -> None:
    assert plan.current == "2026-11" and plan.periods[-1] == "2026-10"
    assert max(e.period for e in plan.errors) <= plan.current
    assert max(plan.recovery_facts) <= plan.periods[-1]
    codes = {s.code for s in plan.tree.stations} | {c for c, _ in plan.tree.counties}
    assert {e.body["unit"] for e in plan.errors} <= codes
    assert {r["unit"] for rows in plan.recovery_facts.values() for r in rows} <= codes


def test_the_month_under_way_is_partly_in(plan) -> None:
    stages = Counter(plan.current_stage.values())
    assert stages[current_month.BILLED] > stages[current_month.READ] > 0 and stages[current_month.NOT_YET] > 0
    assert set(plan.current_counters) == {u for u, s in plan.current_stage.items() if s != current_month.NOT_YET}
    read_only = [c for u, c in plan.current_counters.items() if plan.current_stage[u] == current_month.READ]
    assert all("bills_issued" not in c and "readings_planned" in c for c in read_only)
    in_month = [e for e in plan.errors if e.period == plan.current]
    assert all(plan.current_stage[e.body["unit"]] == current_month.BILLED for e in in_month)


def test_no_payment_after_today() -> None:
    small = make_plan(5, customers=300, size=0.1, today=TODAY)
    paid = [line.split(",")[5][:10] for part in small.credit for line in part.payments[1:]]
    assert paid and max(paid) < str(TODAY)
