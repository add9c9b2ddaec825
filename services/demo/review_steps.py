"""Loader step for bill review (issue 15): the last complete month's bills of every station reviewed before
release, the suspects partly decided, and a few errors found later on bills no rule flagged (misses).

Through the public API only: both months' files POSTed to /api/v1/review/{period}/bills, a run, confirm
(→ audit_link registers the error from the event) and clear, then errors registered by the audit centre.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from decimal import Decimal

from services.demo import review_bills
from services.demo.api import Api, DemoLoadError
from services.demo.facts_steps import wait_for_error_counts
from services.demo.periods import add_months
from services.demo.plan import DemoPlan
from services.demo.workflow_steps import all_pages

NOT_READY_EVERY = 3  # one station in three with suspects leaves some open: not ready to release
CONFIRM_SHARE = {  # how often a suspect of the rule turns out to be an error (the rest are cleared)
    "reading_reversed": 0.8, "kwh_mismatch": 0.7, "tou_sum": 0.6, "zero_kwh": 0.4, "surge": 0.35, "drop": 0.4,
    "tariff_category": 0.75, "amount_mismatch": 0.7, "multiplier_changed": 0.3}
CLEAR_REASONS = {
    "reading_reversed": "现场核实：已换表，换表标志漏录，已补录换表记录",
    "kwh_mismatch": "核实：电量含上月追补电量，已附追补工单",
    "tou_sum": "核实：峰平谷示数为远程估读，下月抄表自动校正",
    "zero_kwh": "现场核实：房屋空置，零电量属实",
    "surge": "现场核实：客户新增生产设备，电量增长属实",
    "drop": "现场核实：客户停产检修，电量减少属实",
    "tariff_category": "核实：客户用电性质已变更，电价执行正确，档案同步中",
    "amount_mismatch": "核实：金额含违约金减免，计算正确",
    "multiplier_changed": "核实：互感器更换工单已归档，新倍率正确",
}
MISS_FINDINGS = {"reading": "估抄电量与实际用电不符，客户投诉后现场复抄",
                 "tariff": "执行电价与用电性质不符，营销稽查发现"}
MISS_SHARE = 0.0002  # errors found later on bills the review passed: ≈ 4 per 20 000 bills


@dataclass
class ReviewSummary:
    period: str = ""
    bills: int = 0
    suspects: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    cleared: int = 0
    open: int = 0
    misses: int = 0
    ready: int = 0
    not_ready: int = 0


async def _prices(api: Api, period: str) -> dict[str, tuple[str, Decimal]]:
    body = await api.call("GET", "/api/v1/review/tariffs", params={"period": period})
    return {t["code"]: (t["category"], Decimal(str(t["price"]))) for t in body["items"]}


async def _suspects(api: Api, period: str) -> list[dict]:
    items, cursor = [], None
    while True:
        body = await api.call("GET", f"/api/v1/review/{period}/suspects",
                              params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def _decisions(rng: random.Random, suspects: list[dict]) -> list[tuple[dict, str]]:
    """(suspect, confirm | clear) for the suspects people got to; one station in three with suspects
    decides only its first one, the rest stay open (the station is not ready to release)."""
    by_unit: dict[str, list[dict]] = {}
    for s in sorted(suspects, key=lambda s: (s["unit"], s["bill_id"], s["rule"])):
        by_unit.setdefault(s["unit"], []).append(s)
    out = []
    for k, (_, mine) in enumerate(sorted(by_unit.items())):
        if k % NOT_READY_EVERY == 1 and len(mine) > 1:
            mine = mine[:1]
        elif k % NOT_READY_EVERY == 1:
            mine = []
        # one anomaly raises several suspects on a bill (a reversed reading: the kWh no longer fits either):
        # decided bill by bill, as the clerk opens it
        fate: dict[str, str] = {}
        for s in mine:
            fate.setdefault(s["bill_id"], "confirm" if rng.random() < CONFIRM_SHARE[s["rule"]] else "clear")
            out.append((s, fate[s["bill_id"]]))
    return out


async def _decide(api: Api, seed: int, rng: random.Random, suspect: dict, action: str) -> None:
    key = {"Idempotency-Key": f"demo-{seed}-review-{suspect['period']}-{suspect['bill_id']}-{suspect['rule']}"}
    if action == "clear":
        body: dict = {"reason": CLEAR_REASONS[suspect["rule"]]}
    else:
        body = {"nature": "negligence" if rng.random() < 0.1 else "clerical",
                "amount": f"{(-1 if rng.random() < 0.5 else 1) * rng.uniform(3, 400):.2f}", "bills_affected": 1}
    await api.call("POST", f"/api/v1/review/suspects/{suspect['id']}/{action}", role="audit_center", json=body,
                   headers=key)


async def _misses(api: Api, seed: int, rng: random.Random, period: str, files: review_bills.ReviewFiles,
                  flagged: set[str]) -> int:
    """Errors the audit centre finds later on bills no rule flagged (a customer's complaint, a field check)."""
    clean = [line.split(",") for line in files.month[1:]]
    clean = [row for row in clean if row[2] not in flagged and row[2] not in files.anomalous]
    count = max(2, round(len(files.month) * MISS_SHARE))
    for k, row in enumerate(rng.sample(clean, min(count, len(clean)))):
        unit, bill_id, customer_no = row[0], row[1], row[2]
        category = "reading" if k % 2 == 0 else "tariff"
        what = MISS_FINDINGS[category]
        await api.call("POST", "/api/v1/errors", role="audit_center", json={
            "unit": unit, "period": period, "category": category, "nature": "clerical",
            "amount": f"{rng.uniform(20, 600):.2f}", "bills_affected": 1, "customer_no": customer_no,
            "description": f"账单 {bill_id}：{what}（发行前审核未发现）",
            "evidence": f"稽查底稿 FX-{period.replace('-', '')}-{k + 1:03d}",
        }, headers={"Idempotency-Key": f"demo-{seed}-review-miss-{period}-{k}"})
    return min(count, len(clean))


async def _wait_for_errors(api: Api, period: str, from_review: int, errors: int, timeout_s: float = 60.0) -> dict:
    """audit_link registers the confirmed suspects' errors, and bill_review hears of every error, by events."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = await api.call("GET", "/api/v1/review/effectiveness", params={"first": period})
        got = next((p for p in body["periods"] if p["period"] == period), None)
        if got and got["from_review"] >= from_review and got["errors"] >= errors:
            return got
        if loop.time() > deadline:
            raise DemoLoadError(f"{period}: review errors {got}, expected {from_review} from review, {errors} in all")
        await asyncio.sleep(0.1)


async def bill_review(api: Api, plan: DemoPlan) -> ReviewSummary:
    """The last complete month's bills (and the month before, as history) reviewed and partly decided."""
    period = plan.periods[-1]
    history = add_months(period, -1)
    rng = random.Random(plan.seed * 1_000_003 + 15)
    customers = [c for files in plan.credit for c in review_bills.customers_of(files.customers)]
    files = review_bills.generate(rng, customers, history, period, await _prices(api, period))
    for month, lines in ((history, files.history), (period, files.month)):
        await api.upload(f"/api/v1/review/{month}/bills", review_bills.chunks(lines))
    run = await api.call("POST", f"/api/v1/review/{period}/run", role="system",
                         headers={"Idempotency-Key": f"demo-{plan.seed}-review-run-{period}"})
    suspects = await _suspects(api, period)
    decided = _decisions(rng, suspects)
    for suspect, action in decided:
        await _decide(api, plan.seed, rng, suspect, action)
    confirmed = sum(a == "confirm" for _, a in decided)
    misses = await _misses(api, plan.seed, rng, period, files, {s["customer_no"] for s in suspects})
    await _wait_for_errors(api, period, confirmed, confirmed + misses)
    errors = await all_pages(api, "/api/v1/errors", period=period)
    await wait_for_error_counts(api, period, sum(e["bills_affected"] for e in errors))
    readiness = (await api.call("GET", f"/api/v1/review/{period}/readiness"))["items"]
    return ReviewSummary(
        period=period, bills=run["bills"], suspects=run["suspects"], by_rule=dict(run["by_rule"]),
        confirmed=confirmed, cleared=len(decided) - confirmed, open=len(suspects) - len(decided), misses=misses,
        ready=sum(u["ready"] for u in readiness), not_ready=sum(not u["ready"] for u in readiness))
