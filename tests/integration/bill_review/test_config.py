"""Tariffs versioned by effective_from and the versioned rule set: seeded defaults, changes, and runs."""

from __future__ import annotations

import httpx

from tests.integration.bill_review.conftest import ADMIN, PERIOD, bill, post_bills, run, suspects


async def test_seeded_tariffs_and_rule_set(org: httpx.AsyncClient) -> None:
    r = await org.get("/api/v1/review/tariffs", params={"period": PERIOD}, headers=ADMIN)
    assert {(t["code"], t["category"], t["price"]) for t in r.json()["items"]} == {
        ("R1", "resident", "0.5883"), ("C1", "commercial", "0.7027"), ("I1", "industrial", "0.6612"),
        ("L1", "large_industrial", "0.5901"), ("A1", "agricultural", "0.5044")}
    rules = (await org.get("/api/v1/review/rules", headers=ADMIN)).json()
    assert rules["version"] == 1 and len(rules["rules"]) == 9
    assert rules["rules"]["amount_mismatch"]["thresholds"] == {"tolerance_yuan": 1, "tolerance_share": 0.01}
    assert rules["titles"]["surge"] == "电量突增"


async def test_a_tariff_change_applies_from_its_period(org: httpx.AsyncClient) -> None:
    r = await org.put("/api/v1/review/tariffs", headers=ADMIN, json={
        "effective_from": PERIOD, "items": [{"code": "R1", "category": "resident", "price": "0.6000"},
                                            {"code": "T9", "category": "commercial", "price": "1.2"}]})
    assert r.status_code == 200, r.text
    before = (await org.get("/api/v1/review/tariffs", params={"period": "2026-09"}, headers=ADMIN)).json()
    assert {t["code"]: t["price"] for t in before["items"]}["R1"] == "0.5883"
    # 100 kWh at the new 0.60 = 60.00: the old price's 58.83 is now 1.17 off.
    await post_bills(org, [bill("new-price", amount="60.00"), bill("old-price")])
    await run(org)
    assert [(s["bill_id"], s["rule"]) for s in await suspects(org)] == [("old-price", "amount_mismatch")]
    dup = await org.put("/api/v1/review/tariffs", headers=ADMIN, json={
        "items": [{"code": "R1", "category": "resident", "price": 1}, {"code": "R1", "category": "resident",
                                                                        "price": 2}]})
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "body.items[0].code"
    bad = await org.put("/api/v1/review/tariffs", headers=ADMIN, json={"items": [{"code": "R1", "category": "x",
                                                                                  "price": 1}]})
    assert bad.status_code == 422


async def test_a_new_rule_set_version_changes_what_a_run_raises(org: httpx.AsyncClient) -> None:
    await post_bills(org, [bill("s", "350", last_month_kwh="100"), bill("z", "0", last_month_kwh="60")])
    first = (await run(org)).json()
    assert first["by_rule"] == {"surge": 1, "zero_kwh": 1} and first["rule_set_version"] == 1
    r = await org.put("/api/v1/review/rules", headers=ADMIN, json={
        "effective_from": PERIOD, "rules": {"surge": {"thresholds": {"factor": 4}}, "zero_kwh": {"enabled": False}}})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["rules"]["surge"]["thresholds"] == {"min_last_month_kwh": 100,
                                                                                       "factor": 4}
    assert [v["version"] for v in r.json()["versions"]] == [1, 2]
    second = (await run(org)).json()
    assert second["by_rule"] == {} and second["rule_set_version"] == 2
    assert await suspects(org) == []
    # The version in force for an earlier period is still the first.
    assert (await org.get("/api/v1/review/rules", params={"period": "2026-09"}, headers=ADMIN)).json()["version"] == 1


async def test_invalid_rule_changes_are_422_naming_the_field(org: httpx.AsyncClient) -> None:
    for rules, field in (({"nonsense": {}}, "body.rules.nonsense"),
                         ({"surge": {"thresholds": {"speed": 1}}}, "body.rules.surge.thresholds.speed"),
                         ({"surge": {"thresholds": {"factor": -1}}}, "body.rules.surge.thresholds.factor")):
        r = await org.put("/api/v1/review/rules", headers=ADMIN, json={"rules": rules})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field
    assert (await org.get("/api/v1/review/rules", headers=ADMIN)).json()["version"] == 1
