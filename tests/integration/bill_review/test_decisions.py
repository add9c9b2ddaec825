"""Runs, decisions and what they leave: suspects kept across re-runs, events in the outbox, readiness,
rule effectiveness."""

from __future__ import annotations

import httpx

from shared.testing.plugin import token
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, outbox, post_bills, rows, run, suspects

FILE = [
    bill("ok-1"), bill("ok-2", unit="QY-QC-02"),
    bill("bad-amount", amount="80.00"),                          # amount_mismatch
    bill("bad-tariff", category="commercial"),                   # tariff_category
    bill("reversed", "0", curr_reading="990"),                   # reading_reversed + kwh_mismatch (0 vs −10)
    bill("surge", "500", unit="QY-QC-02", last_month_kwh="100"),  # surge
]
AUDITOR = token("audit_center")


async def _by_bill(client: httpx.AsyncClient) -> dict[tuple[str, str], dict]:
    return {(s["bill_id"], s["rule"]): s for s in await suspects(client)}


async def test_run_raises_suspects_and_emits_a_review_per_unit(org: httpx.AsyncClient) -> None:
    assert (await post_bills(org, FILE)).status_code == 200
    r = await run(org)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["bills"], body["suspects"], body["units"], body["open"]) == (6, 5, 2, 5)
    assert body["by_rule"] == {"amount_mismatch": 1, "kwh_mismatch": 1, "reading_reversed": 1, "surge": 1,
                               "tariff_category": 1}
    assert set(await _by_bill(org)) == {("bad-amount", "amount_mismatch"), ("bad-tariff", "tariff_category"),
                                        ("reversed", "reading_reversed"), ("reversed", "kwh_mismatch"),
                                        ("surge", "surge")}
    events = {e["subject"]: e for e in await outbox(org, "BillReviewCompleted")}
    assert set(events) == {"QY-QC-01", "QY-QC-02"}
    qc01 = events["QY-QC-01"]["data"]
    assert (qc01["bills"], qc01["suspects"], qc01["suspect_bills"], qc01["open"], qc01["period"]) == (4, 4, 3, 4,
                                                                                                      PERIOD)
    assert qc01["by_rule"] == {"amount_mismatch": 1, "tariff_category": 1, "reading_reversed": 1, "kwh_mismatch": 1}
    assert events["QY-QC-01"]["source"] == "m2c/bill-review"
    assert (await rows(org, "SELECT DISTINCT topic FROM m2c_outbox WHERE event_type = 'BillReviewCompleted'")) == [
        ("m2c.review.v1",)]


async def test_confirm_and_clear_emit_events_and_rerun_keeps_decisions(org: httpx.AsyncClient) -> None:
    await post_bills(org, FILE)
    await run(org)
    before = await _by_bill(org)
    amount = before[("bad-amount", "amount_mismatch")]
    r = await org.post(f"/api/v1/review/suspects/{amount['id']}/confirm", headers=AUDITOR,
                       json={"nature": "negligence", "amount": "21.17", "bills_affected": 2})
    assert r.status_code == 200, r.text
    confirmed = r.json()
    assert confirmed["state"] == "confirmed" and confirmed["decided_by"] == "tester" and confirmed["error_id"]
    [event] = await outbox(org, "ReviewSuspectConfirmed")
    data = event["data"]
    assert data == {
        "suspect_id": amount["id"], "error_id": confirmed["error_id"], "period": PERIOD, "unit": "QY-QC-01",
        "bill_id": "bad-amount", "customer_no": "C-bad-amount", "rule": "amount_mismatch", "category": "tariff",
        "nature": "negligence", "amount": "21.17", "bills_affected": 2, "confirmed_by": "tester",
        "confirmed_at": data["confirmed_at"],
        "description": "发行前审核确认差错（电费金额不符）：账单 bad-amount，" + amount["message"],
    }
    assert event["subject"] == "QY-QC-01" and event["type"] == "ReviewSuspectConfirmed"

    tariff = before[("bad-tariff", "tariff_category")]
    r = await org.post(f"/api/v1/review/suspects/{tariff['id']}/clear", headers=AUDITOR,
                       json={"reason": "客户已办理类别变更，账单类别正确"})
    assert r.status_code == 200 and r.json()["state"] == "cleared"
    [cleared] = await outbox(org, "ReviewSuspectCleared")
    assert cleared["data"]["reason"] == "客户已办理类别变更，账单类别正确"
    # Deciding again is a conflict, and changes nothing.
    again = await org.post(f"/api/v1/review/suspects/{tariff['id']}/confirm", headers=AUDITOR,
                           json={"nature": "clerical", "amount": "1"})
    assert again.status_code == 409
    assert len(await outbox(org, "ReviewSuspectConfirmed")) == 1

    r = await run(org)
    assert r.json()["suspects"] == 5 and (r.json()["open"], r.json()["confirmed"], r.json()["cleared"]) == (3, 1, 1)
    after = await _by_bill(org)
    assert {k: (s["id"], s["state"]) for k, s in after.items()} == {
        k: (s["id"], "confirmed" if k[0] == "bad-amount" else "cleared" if k[0] == "bad-tariff" else "open")
        for k, s in before.items()}
    assert after[("bad-amount", "amount_mismatch")]["decision"]["bills_affected"] == 2


async def test_a_fixed_bill_drops_its_open_suspect_but_decided_ones_stay(org: httpx.AsyncClient) -> None:
    await post_bills(org, FILE)
    await run(org)
    s = await _by_bill(org)
    await org.post(f"/api/v1/review/suspects/{s[('bad-tariff', 'tariff_category')]['id']}/clear", headers=ADMIN,
                   json={"reason": "ok"})
    fixed = [b for b in FILE if b["unit"] == "QY-QC-01" and b["bill_id"] != "bad-amount"] + [bill("bad-amount")]
    assert (await post_bills(org, fixed)).status_code == 200
    ready = (await org.get(f"/api/v1/review/{PERIOD}/readiness", headers=ADMIN)).json()["items"]
    assert [(u["unit"], u["reviewed_at"] is None, u["ready"]) for u in ready] == [
        ("QY-QC-01", True, False), ("QY-QC-02", False, False)]
    await run(org)
    assert ("bad-amount", "amount_mismatch") not in await _by_bill(org)
    assert (await _by_bill(org))[("bad-tariff", "tariff_category")]["state"] == "cleared"


async def test_readiness_and_effectiveness(org: httpx.AsyncClient) -> None:
    await post_bills(org, FILE)
    await run(org)
    for s in (await _by_bill(org)).values():
        if s["unit"] == "QY-QC-02":
            await org.post(f"/api/v1/review/suspects/{s['id']}/confirm", headers=ADMIN,
                           json={"nature": "clerical", "amount": "-12.30"})
    ready = (await org.get(f"/api/v1/review/{PERIOD}/readiness", headers=ADMIN)).json()
    assert [(u["unit"], u["bills"], u["open"], u["confirmed"], u["cleared"], u["ready"]) for u in ready["items"]] == [
        ("QY-QC-01", 4, 4, 0, 0, False), ("QY-QC-02", 2, 0, 1, 0, True)]
    # QY-YD-01 brought no bills: not ready, and counted among the stations ready is out of
    assert (ready["not_imported"], ready["counts"]) == (
        ["QY-YD-01"], {"stations": 3, "imported": 2, "reviewed": 2, "ready": 1})
    this_month = (await org.get("/api/v1/review/2026-11/readiness", headers=ADMIN)).json()  # nothing yet
    assert (this_month["items"], this_month["not_imported"], this_month["counts"]["ready"]) == (
        [], ["QY-QC-01", "QY-QC-02", "QY-YD-01"], 0)
    s = await _by_bill(org)
    await org.post(f"/api/v1/review/suspects/{s[('reversed', 'kwh_mismatch')]['id']}/clear", headers=ADMIN,
                   json={"reason": "示数倒走已确认为换表未登记"})
    await org.post(f"/api/v1/review/suspects/{s[('reversed', 'reading_reversed')]['id']}/confirm", headers=ADMIN,
                   json={"nature": "clerical", "amount": "0"})
    r = await org.get("/api/v1/review/effectiveness", params={"first": PERIOD}, headers=ADMIN)
    assert r.status_code == 200, r.text
    effects = {i["rule"]: (i["raised"], i["confirmed"], i["cleared"], i["confirmed_share"]) for i in r.json()["items"]}
    assert effects == {"amount_mismatch": (1, 0, 0, None), "kwh_mismatch": (1, 0, 1, 0.0),
                       "reading_reversed": (1, 1, 0, 1.0), "surge": (1, 1, 0, 1.0), "tariff_category": (1, 0, 0, None)}


async def test_idempotency_keys_on_run_and_confirm(org: httpx.AsyncClient) -> None:
    await post_bills(org, FILE)
    first = await run(org, headers={**ADMIN, "Idempotency-Key": "run-1"})
    second = await run(org, headers={**ADMIN, "Idempotency-Key": "run-1"})
    assert second.json() == first.json()
    assert len(await outbox(org, "BillReviewCompleted")) == 2  # one per unit, once
    sid = (await suspects(org))[0]["id"]
    key = {"Idempotency-Key": "confirm-1"}
    body = {"nature": "clerical", "amount": "1.00"}
    a = await org.post(f"/api/v1/review/suspects/{sid}/confirm", headers={**ADMIN, **key}, json=body)
    b = await org.post(f"/api/v1/review/suspects/{sid}/confirm", headers={**ADMIN, **key}, json=body)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert len(await outbox(org, "ReviewSuspectConfirmed")) == 1


async def test_run_without_bills_is_422(org: httpx.AsyncClient) -> None:
    r = await run(org)
    assert r.status_code == 422 and "尚未导入" in r.json()["errors"][0]["message"]
    assert await rows(org, "SELECT count(*) FROM review_runs") == [(0,)]
