"""The screen statement (adapters/rule_sql.py): a bill goes through only when some rule fires, and then
raises one suspect per rule that fires; with every rule switched off a run raises nothing."""

from __future__ import annotations

import httpx

from services.bill_review.domain.rules import BY_CODE
from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, post_bills, run, suspects


async def test_one_bill_raises_one_suspect_per_rule_it_breaks(org: httpx.AsyncClient) -> None:
    # the reading typed below last month's and billed at 0: reversed, kWh no longer fits, zero kWh
    await post_bills(org, [bill("typo", "0", curr_reading="990", last_month_kwh="120"), bill("clean")])
    body = (await run(org)).json()
    assert body["by_rule"] == {"kwh_mismatch": 1, "reading_reversed": 1, "zero_kwh": 1} and body["suspects"] == 3
    found = await suspects(org)
    assert {s["bill_id"] for s in found} == {"typo"} and len({s["message"] for s in found}) == 3


async def test_with_every_rule_off_a_run_raises_nothing(org: httpx.AsyncClient) -> None:
    await post_bills(org, [bill("typo", "0", curr_reading="990", last_month_kwh="120")])
    assert (await run(org)).json()["suspects"] == 3
    r = await org.put("/api/v1/review/rules", headers=ADMIN, json={
        "effective_from": PERIOD, "rules": {code: {"enabled": False} for code in BY_CODE}})
    assert r.status_code == 200, r.text
    body = (await run(org)).json()
    assert body["bills"] == 1 and body["suspects"] == 0 and body["by_rule"] == {}
    assert await suspects(org) == []  # the open ones no longer fire: gone
