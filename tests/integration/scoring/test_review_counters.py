"""Bill review's events fill scoring's `review` counters (a snapshot sets them; decisions between runs
move one suspect from open to handled), the default scheme scores them, and a scored period is queued
for a re-score."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from services.scoring.handlers import events as handlers
from shared.events.envelope import Envelope, new_envelope
from shared.events.review import BillReviewCompleted, ReviewSuspectCleared
from shared.messaging.dispatch import EventDispatcher
from tests.helpers import GOOD_COUNTERS, eventually, present, runtime_of
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, outbox, post_bills, rows, run, suspects

REVIEW = ("bills_reviewed", "review_suspects", "review_suspects_open", "review_suspects_handled")


async def _review_counters(client: httpx.AsyncClient) -> dict[str, dict[str, int]]:
    items = (await client.get(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN)).json()["items"]
    return {i["unit"]: {c: v for c, v in i["counters"].items() if c in REVIEW} for i in items
            if any(c in REVIEW for c in i["counters"])}


def _when(expected: dict[str, dict[str, int]]):
    async def probe(client: httpx.AsyncClient):
        got = await _review_counters(client)
        return got if got == expected else None
    return probe


async def _until(client: httpx.AsyncClient, expected: dict[str, dict[str, int]]) -> None:
    probe = _when(expected)
    try:
        await eventually(lambda: probe(client), timeout_s=10)
    except AssertionError:
        assert await _review_counters(client) == expected


def _snapshot(bills: int, suspects_: int, open_: int, handled: int) -> dict[str, int]:
    return {"bills_reviewed": bills, "review_suspects": suspects_, "review_suspects_open": open_,
            "review_suspects_handled": handled}


async def test_review_snapshots_set_the_counters_and_decisions_move_them(org: httpx.AsyncClient) -> None:
    # k1: ¥70 for 100 kWh at 0.5883 → amount_mismatch; k3: zero kWh against 80 last month → zero_kwh
    assert (await post_bills(org, [bill("k1", amount="70"), bill("k2"), bill("k3", "0", last_month_kwh="80"),
                                   bill("k4", unit="QY-YD-01")])).status_code == 200
    assert (await run(org)).status_code == 200
    await _until(org, {"QY-QC-01": _snapshot(3, 2, 2, 0), "QY-YD-01": _snapshot(1, 0, 0, 0)})

    by_bill = {s["bill_id"]: s for s in await suspects(org)}
    r = await org.post(f"/api/v1/review/suspects/{by_bill['k1']['id']}/confirm", headers=ADMIN,
                       json={"nature": "clerical", "amount": "-11.17", "bills_affected": 1})
    assert r.status_code == 200, r.text
    await _until(org, {"QY-QC-01": _snapshot(3, 2, 1, 1), "QY-YD-01": _snapshot(1, 0, 0, 0)})
    r = await org.post(f"/api/v1/review/suspects/{by_bill['k3']['id']}/clear", headers=ADMIN,
                       json={"reason": "用户外出，电表无走字"})
    assert r.status_code == 200, r.text
    await _until(org, {"QY-QC-01": _snapshot(3, 2, 0, 2), "QY-YD-01": _snapshot(1, 0, 0, 0)})

    # a re-run sends the same figures as a snapshot: they are set again, not added
    assert (await run(org)).status_code == 200
    assert len(await outbox(org, "BillReviewCompleted")) == 4
    await _until(org, {"QY-QC-01": _snapshot(3, 2, 0, 2), "QY-YD-01": _snapshot(1, 0, 0, 0)})
    # … and the confirmed error counted into bills_erroneous through audit_link as any error does
    items = (await org.get(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN)).json()["items"]
    assert next(i for i in items if i["unit"] == "QY-QC-01")["counters"]["bills_erroneous"] == 1

    # the snapshots delivered again under new envelope ids (a replay, the first run's last): the first
    # run's are older than what the counters hold and change nothing; the latest sets the same values
    runtime = runtime_of(org)
    dispatcher = EventDispatcher("m2c-scoring", {BillReviewCompleted: handlers.on_bill_review_completed},
                                 runtime.uow)
    snapshots = await outbox(org, "BillReviewCompleted")
    for payload in snapshots[2:] + snapshots[:2]:
        envelope = Envelope.model_validate({**payload, "id": str(uuid.uuid4())})
        assert await dispatcher.dispatch(present(dispatcher.decode(envelope))) == "processed"
    assert await _review_counters(org) == {"QY-QC-01": _snapshot(3, 2, 0, 2), "QY-YD-01": _snapshot(1, 0, 0, 0)}


async def test_review_indicator_scores_handling_with_no_data_semantics(org: httpx.AsyncClient) -> None:
    # every station reports the same facts; only the review differs
    r = await org.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={"batch_id": "b-1", "rows": [
        {"unit": u, "counters": GOOD_COUNTERS} for u in ("QY-QC-01", "QY-QC-02", "QY-YD-01")]})
    assert r.status_code == 200, r.text
    assert (await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)).status_code == 201
    before = {i["unit"]: i for i in (await org.get(f"/api/v1/scores?period={PERIOD}&level=station",
                                                   headers=ADMIN)).json()["items"]}
    # QY-QC-01: two suspects, one confirmed; QY-YD-01: reviewed, no suspect; QY-QC-02: no review at all
    assert (await post_bills(org, [bill("k1", amount="70"), bill("k3", "0", last_month_kwh="80"),
                                   bill("k4", unit="QY-YD-01")])).status_code == 200
    assert (await run(org)).status_code == 200
    by_bill = {s["bill_id"]: s for s in await suspects(org)}
    assert (await org.post(f"/api/v1/review/suspects/{by_bill['k1']['id']}/confirm", headers=ADMIN,
                           json={"nature": "clerical", "amount": "-11.17"})).status_code == 200
    await _until(org, {"QY-QC-01": _snapshot(2, 2, 1, 1), "QY-YD-01": _snapshot(1, 0, 0, 0)})
    # the review of a scored period queued it for a re-score, like a late error
    queued = await rows(org, "SELECT period FROM scoring_rescore_requests")
    assert queued == [(PERIOD,)]

    r = await org.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)
    assert r.status_code == 201 and r.json()["revision"] == 2

    async def indicator(unit: str) -> tuple[dict, dict]:
        explained = (await org.get(f"/api/v1/scores/{PERIOD}/{unit}", headers=ADMIN)).json()
        return explained, next(i for i in explained["indicators"] if i["code"] == "review_handling_rate")

    qc01, rate = await indicator("QY-QC-01")
    assert rate["inputs"] == {"review_suspects_handled": 1.0, "review_suspects": 2.0}
    assert rate["value"] == 0.5 and rate["score"] == 0.0  # linear: 0 at 90 % handled, 100 at 100 %
    assert rate["points_lost"] == 10.0  # stage 0.5 × indicator 0.2 × 100
    # review stage 0.5×60 + 0.25×85 + 0.25×95 = 75 before; 0.4×60 + 0.2×85 + 0.2×95 + 0.2×0 = 60 now
    assert next(s for s in qc01["stages"] if s["code"] == "review")["score"] == 60.0
    assert qc01["score"] == round(before["QY-QC-01"]["score"] - 0.5 * (75 - 60), 4)
    for unit in ("QY-YD-01", "QY-QC-02"):  # reviewed without suspects (0/0), or not reviewed: no data
        explained, rate = await indicator(unit)
        assert rate["value"] is None and rate["score"] is None and rate["points_lost"] == 0
        assert "review_handling_rate" in explained["no_data"]
        # without review data the stage re-normalises to the former weights: the score is unchanged
        assert explained["score"] == before[unit]["score"]
    assert (await indicator("QY-YD-01"))[1]["inputs"] == {"review_suspects_handled": 0.0, "review_suspects": 0.0}
    assert (await indicator("QY-QC-02"))[1]["inputs"] == {"review_suspects_handled": None, "review_suspects": None}


async def test_a_decision_without_a_snapshot_creates_no_counter(org: httpx.AsyncClient) -> None:
    """Confirmed/Cleared only adjust a snapshot already there: alone they would make handled without a base."""
    cleared = ReviewSuspectCleared(suspect_id=1, period=PERIOD, unit="QY-QC-01", bill_id="k1", rule="surge",
                                   reason="核实无误", cleared_by="tester", cleared_at=datetime(2026, 11, 2, tzinfo=UTC))
    envelope = new_envelope(type_="ReviewSuspectCleared", source="m2c/bill-review", version=1, subject="QY-QC-01",
                            data=cleared.model_dump(mode="json"))
    runtime = runtime_of(org)
    dispatcher = EventDispatcher("m2c-scoring", {ReviewSuspectCleared: handlers.on_review_suspect_decided},
                                 runtime.uow)
    assert await dispatcher.dispatch(present(dispatcher.decode(envelope))) == "processed"
    assert await _review_counters(org) == {}
    assert await rows(org, "SELECT count(*) FROM scoring_counters") == [(0,)]
