"""Roles and org scope on every read and write of /api/v1/review: a station sees and decides its own
subtree only; anything outside it is 404 (as if it did not exist); a file with a row outside is 403."""

from __future__ import annotations

import httpx
import pytest

from shared.testing.plugin import token
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, outbox, post_bills, rows, run, suspects

QC01 = token("station", units=("QY-QC-01",), subject="qc01")
QC02 = token("station", units=("QY-QC-02",), subject="qc02")
COUNTY_MARKETING = token("marketing", units=("QY-QC",))
FILE = [bill("a", amount="99"), bill("b", unit="QY-QC-02", amount="99"), bill("c", unit="QY-YD-01", amount="99")]


@pytest.fixture
async def reviewed(org: httpx.AsyncClient) -> httpx.AsyncClient:
    assert (await post_bills(org, FILE)).status_code == 200
    assert (await run(org)).status_code == 200
    return org


async def _ids(client: httpx.AsyncClient) -> dict[str, int]:
    return {s["unit"]: s["id"] for s in await suspects(client)}


async def test_reads_are_scoped(reviewed: httpx.AsyncClient) -> None:
    assert {s["bill_id"] for s in await suspects(reviewed, headers=QC01)} == {"a"}
    assert {s["bill_id"] for s in await suspects(reviewed, headers=COUNTY_MARKETING)} == {"a", "b"}
    assert {s["bill_id"] for s in await suspects(reviewed, headers=token("viewer"))} == {"a", "b", "c"}
    assert await suspects(reviewed, headers=QC01, unit="QY-YD-01") == []
    ids = await _ids(reviewed)
    assert (await reviewed.get(f"/api/v1/review/suspects/{ids['QY-QC-01']}", headers=QC01)).status_code == 200
    assert (await reviewed.get(f"/api/v1/review/suspects/{ids['QY-QC-02']}", headers=QC01)).status_code == 404
    ready = (await reviewed.get(f"/api/v1/review/{PERIOD}/readiness", headers=QC01)).json()
    assert [u["unit"] for u in ready["items"]] == ["QY-QC-01"] and ready["counts"]["stations"] == 1
    empty = (await reviewed.get("/api/v1/review/2026-08/readiness", headers=COUNTY_MARKETING)).json()
    assert empty["not_imported"] == ["QY-QC-01", "QY-QC-02"]  # the county's stations only
    effects = (await reviewed.get("/api/v1/review/effectiveness", params={"first": PERIOD}, headers=QC01)).json()
    assert [(i["rule"], i["raised"]) for i in effects["items"]] == [("amount_mismatch", 1)]
    assert (await reviewed.get(f"/api/v1/review/{PERIOD}/suspects")).status_code == 401


async def test_decisions_are_scoped_and_role_checked(reviewed: httpx.AsyncClient) -> None:
    ids = await _ids(reviewed)
    body = {"nature": "clerical", "amount": "40.17"}
    other = await reviewed.post(f"/api/v1/review/suspects/{ids['QY-QC-02']}/confirm", headers=QC01, json=body)
    assert other.status_code == 404
    cleared = await reviewed.post(f"/api/v1/review/suspects/{ids['QY-QC-02']}/clear", headers=QC01,
                                  json={"reason": "x"})
    assert cleared.status_code == 404
    for role in ("viewer", "customer_service", "system"):
        r = await reviewed.post(f"/api/v1/review/suspects/{ids['QY-QC-01']}/confirm", headers=token(role), json=body)
        assert r.status_code == 403, role
    assert (await reviewed.post(f"/api/v1/review/suspects/{ids['QY-QC-01']}/confirm", headers=QC01,
                                json=body)).status_code == 200
    assert (await reviewed.post(f"/api/v1/review/suspects/{ids['QY-YD-01']}/clear", headers=token("audit_center"),
                                json={"reason": "核实无误"})).status_code == 200
    assert (await reviewed.post("/api/v1/review/suspects/999999/clear", headers=ADMIN,
                                json={"reason": "x"})).status_code == 404
    states = dict(await rows(reviewed, "SELECT unit, state FROM review_suspects"))
    assert states == {"QY-QC-01": "confirmed", "QY-QC-02": "open", "QY-YD-01": "cleared"}
    assert len(await outbox(reviewed, "ReviewSuspectConfirmed")) == 1


async def test_station_imports_and_runs_its_own_units_only(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, [bill("s1"), bill("s2", unit="QY-QC-02")], headers=QC01)
    assert r.status_code == 403
    (error,) = r.json()["errors"]
    assert (error["row"], error["column"]) == (2, "unit")
    assert await rows(org, "SELECT count(*) FROM review_bills") == [(0,)]
    assert (await post_bills(org, [bill("s1", amount="1")], headers=QC01)).status_code == 200
    assert (await post_bills(org, [bill("s2", unit="QY-QC-02", amount="1")])).status_code == 200
    r = await run(org, headers=QC01)
    assert r.status_code == 200 and (r.json()["bills"], r.json()["units"]) == (1, 1)
    assert [e["subject"] for e in await outbox(org, "BillReviewCompleted")] == ["QY-QC-01"]
    assert {s["unit"] for s in await suspects(org)} == {"QY-QC-01"}  # QY-QC-02 is not reviewed yet
    assert (await run(org, headers=token("station", units=("QY-YD-01",)))).status_code == 422  # no bills there
    for role in ("viewer", "audit_center", "customer_service"):
        assert (await post_bills(org, [bill("s3")], headers=token(role))).status_code == 403, role
        assert (await run(org, headers=token(role))).status_code == 403, role


async def test_configuration_is_for_admin_and_marketing(org: httpx.AsyncClient) -> None:
    tariffs = {"items": [{"code": "R1", "category": "resident", "price": 0.6}]}
    rules = {"rules": {"surge": {"thresholds": {"factor": 4}}}}
    for headers in (QC01, token("viewer"), token("audit_center")):
        assert (await org.put("/api/v1/review/tariffs", json=tariffs, headers=headers)).status_code == 403
        assert (await org.put("/api/v1/review/rules", json=rules, headers=headers)).status_code == 403
        assert (await org.get("/api/v1/review/rules", headers=headers)).status_code == 200
    assert (await org.put("/api/v1/review/rules", json=rules, headers=token("marketing"))).status_code == 200
