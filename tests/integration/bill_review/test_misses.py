"""Rule effectiveness — misses: errors audit_link registered later for reviewed bills that no rule
flagged, per period (a miss belongs to no rule)."""

from __future__ import annotations

import httpx

from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, eventually
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, post_bills, rows, run, suspects


async def _effectiveness(client: httpx.AsyncClient, headers=ADMIN, **params) -> dict:
    r = await client.get("/api/v1/review/effectiveness", params={"first": "2026-09", "last": PERIOD, **params},
                         headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _post_error(client: httpx.AsyncClient, customer_no: str | None, unit: str = "QY-QC-01") -> None:
    r = await client.post("/api/v1/errors", headers=ADMIN,
                          json={**ERROR_BODY, "unit": unit, "customer_no": customer_no})
    assert r.status_code == 201, r.text


async def test_errors_for_unflagged_reviewed_bills_are_misses(org: httpx.AsyncClient) -> None:
    # k1 flagged (amount), k2 and k3 pass every rule; QY-YD-01's k4 passes too
    assert (await post_bills(org, [bill("k1", amount="70"), bill("k2"), bill("k3"),
                                   bill("k4", unit="QY-YD-01")])).status_code == 200
    assert (await run(org)).status_code == 200
    assert (await _effectiveness(org))["periods"] == [
        {"period": PERIOD, "errors": 0, "from_review": 0, "misses": 0}]  # reviewed, nothing registered yet

    [suspect] = await suspects(org)
    assert (await org.post(f"/api/v1/review/suspects/{suspect['id']}/confirm", headers=ADMIN,
                           json={"nature": "clerical", "amount": "-11.17"})).status_code == 200
    await _post_error(org, "C-k2")  # a bill no rule flagged: a miss
    await _post_error(org, "C-k2")  # a second error for the same customer: another miss
    await _post_error(org, "C-k1")  # the flagged bill, registered by hand: not a miss
    await _post_error(org, "C-nobody")  # no reviewed bill of this customer: not counted
    await _post_error(org, None)  # no customer: cannot be matched
    await _post_error(org, "C-k4", unit="QY-QC-02")  # k4's customer, but at another unit: not counted

    async def settled():
        got = await rows(org, "SELECT count(*) FROM review_errors")
        return got if got == [(6,)] else None  # every error that names a customer (the confirmed one too)
    await eventually(settled)
    body = await _effectiveness(org)
    assert body["periods"] == [{"period": PERIOD, "errors": 4, "from_review": 1, "misses": 2}]
    assert [(i["rule"], i["misses"]) for i in body["items"]] == [("amount_mismatch", None)]

    # scope: a station sees its own units' errors only; QY-YD-01 was reviewed and has none
    yd = token("station", units=("QY-YD-01",))
    assert (await _effectiveness(org, yd))["periods"] == [
        {"period": PERIOD, "errors": 0, "from_review": 0, "misses": 0}]
    assert (await _effectiveness(org, unit="QY-QC"))["periods"] == [
        {"period": PERIOD, "errors": 4, "from_review": 1, "misses": 2}]

    # a file replaces QY-QC-01's bills: not reviewed since, so its errors are not judged until the next run
    assert (await post_bills(org, [bill("k1", amount="70"), bill("k2"), bill("k3")])).status_code == 200
    assert (await _effectiveness(org))["periods"] == [
        {"period": PERIOD, "errors": 0, "from_review": 0, "misses": 0}]
    assert (await run(org)).status_code == 200
    assert (await _effectiveness(org))["periods"] == [
        {"period": PERIOD, "errors": 4, "from_review": 1, "misses": 2}]


async def test_a_period_without_review_has_no_miss_figure(org: httpx.AsyncClient) -> None:
    assert (await post_bills(org, [bill("k2")])).status_code == 200  # imported, never run
    await _post_error(org, "C-k2")
    await eventually(lambda: rows(org, "SELECT error_id FROM review_errors"))
    assert (await _effectiveness(org))["periods"] == []  # no data, not 0 misses
