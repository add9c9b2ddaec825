"""Every rule at, just over and just under its threshold: exactly the expected (bill, rule) pairs fire."""

from __future__ import annotations

import httpx

from tests.integration.bill_review.conftest import PREVIOUS, bill, post_bills, rows, run, suspects

# bill_id → the rules it must raise (empty: none). The base bill: 100 kWh, R1, readings 1000 → 1100, no history.
CASES: dict[str, tuple[str, ...]] = {}
BILLS: list[dict] = []


def case(expected: tuple[str, ...], row: dict) -> None:
    CASES[row["bill_id"]] = expected
    BILLS.append(row)


case((), bill("clean"))
# reading_reversed: curr < prev and no meter change
case((), bill("rr_equal", "0", prev_reading="1000", curr_reading="1000"))
case(("reading_reversed",), bill("rr_below", "0", prev_reading="1000", curr_reading="999.99"))
case((), bill("rr_meter_changed", "0", prev_reading="1000", curr_reading="5", meter_changed=True))
# kwh_mismatch: |kwh − (curr − prev) × multiplier| > 1
case((), bill("km_at", "101", curr_reading="1100"))
case(("kwh_mismatch",), bill("km_over", "101.01", curr_reading="1100"))
case((), bill("km_under", "100.99", curr_reading="1100"))
case((), bill("km_meter_changed", "500", curr_reading="1100", meter_changed=True))
case(("kwh_mismatch",), bill("km_multiplier", "100", curr_reading="1100", multiplier="2"))
# tou_sum: peak + flat + valley given and off kWh by more than 1
case((), bill("tou_at", kwh_peak="40", kwh_flat="40", kwh_valley="21"))
case(("tou_sum",), bill("tou_over", kwh_peak="40", kwh_flat="40", kwh_valley="21.01"))
case(("tou_sum",), bill("tou_under", kwh_peak="40", kwh_flat="40", kwh_valley="18.99"))
case((), bill("tou_inside", kwh_peak="40", kwh_flat="40", kwh_valley="19.01"))
case((), bill("tou_absent"))
# zero_kwh: kwh = 0 and last month ≥ 50
case(("zero_kwh",), bill("zero_at", "0", last_month_kwh="50"))
case((), bill("zero_below", "0", last_month_kwh="49.99"))
case((), bill("zero_not_zero", "0.01", last_month_kwh="50"))
# surge: last month ≥ 100 and kwh > 3 × last month
case((), bill("surge_at", "300", last_month_kwh="100"))
case(("surge",), bill("surge_over", "300.01", last_month_kwh="100"))
case((), bill("surge_small_history", "1000", last_month_kwh="99.99"))
# drop: last month ≥ 100 and 0 < kwh < 0.3 × last month
case((), bill("drop_at", "30", last_month_kwh="100"))
case(("drop",), bill("drop_under", "29.99", last_month_kwh="100"))
case((), bill("drop_small_history", "1", last_month_kwh="99.99"))
# tariff_category: the tariff's category differs, or the tariff is unknown (then no amount check)
case(("tariff_category",), bill("tc_wrong", category="commercial"))
case(("tariff_category",), bill("tc_unknown", tariff_code="X9"))
# amount_mismatch: |amount − kWh × price| > max(1 yuan, 1 % of amount); 100 kWh × 0.5883 = 58.83
case((), bill("am_at", amount="59.83"))
case(("amount_mismatch",), bill("am_over", amount="59.84"))
case((), bill("am_under", amount="57.84"))
case(("amount_mismatch",), bill("am_under_over", amount="57.82"))
# the 1 % branch: 10 000 kWh × 0.5883 = 5883.00; 1 % of 5942.42 is 59.4242 ≥ the 59.42 off; 5942.50 is 59.50 off
case((), bill("am_share_inside", "10000", amount="5942.42"))
case(("amount_mismatch",), bill("am_share_over", "10000", amount="5942.50"))
# multiplier_changed against the customer's previous bill (multiplier 1, imported for the previous period)
case(("multiplier_changed",), bill("mc_changed", "200", customer_no="HIST-1", multiplier="2", curr_reading="1100"))
case((), bill("mc_same", customer_no="HIST-2"))
# last month from the previous period's bill when the file has no last_month_kwh (HIST-3 had 100 kWh)
case(("surge",), bill("hist_surge", "300.01", customer_no="HIST-3"))
# … and the file's last_month_kwh wins over it
case((), bill("hist_overridden", "300.01", customer_no="HIST-4", last_month_kwh="1000"))
HISTORY = [bill(f"prev-{c}", "100", customer_no=c) for c in ("HIST-1", "HIST-2", "HIST-3", "HIST-4")]


async def test_each_rule_fires_just_past_its_threshold_and_not_at_or_inside_it(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, HISTORY, period=PREVIOUS)
    assert r.status_code == 200, r.text
    r = await post_bills(org, BILLS)
    assert r.status_code == 200, r.text
    r = await run(org)
    assert r.status_code == 200, r.text
    found: dict[str, set[str]] = {}
    for s in await suspects(org):
        found.setdefault(s["bill_id"], set()).add(s["rule"])
    expected = {b: set(rules) for b, rules in CASES.items() if rules}
    assert found == expected
    body = r.json()
    assert body["bills"] == len(BILLS) and body["suspects"] == sum(len(v) for v in expected.values())
    assert body["by_rule"] == {rule: sum(rule in v for v in expected.values())
                               for rule in sorted({x for v in expected.values() for x in v})}


async def test_messages_are_chinese_and_name_the_figures(org: httpx.AsyncClient) -> None:
    assert (await post_bills(org, [bill("a", "300.01", last_month_kwh="100"),
                                   bill("b", tariff_code="X9"), bill("c", category="industrial")])).status_code == 200
    assert (await run(org)).status_code == 200
    messages = {s["bill_id"]: s["message"] for s in await suspects(org)}
    assert messages == {
        "a": "本月电量 300.01 kWh 超过上月 100 kWh 的 3 倍",
        "b": "电价代码 X9 在本期没有电价",
        "c": "电价代码 R1 属于居民类，账单为工业类",
    }
    severities = {s["bill_id"]: s["severity"] for s in await suspects(org)}
    assert severities == {"a": "warning", "b": "critical", "c": "critical"}


async def _history_flags(client: httpx.AsyncClient) -> list[tuple]:
    return await rows(client, "SELECT unit, customers_unique FROM review_units WHERE period = :p ORDER BY unit",
                      p=PREVIOUS)


async def test_last_month_is_the_sum_of_a_customers_bills_in_one_file(org: httpx.AsyncClient) -> None:
    # 60 + 60 kWh last month: 360.01 is a surge over 3 × 120 (each bill alone is under the 100 kWh minimum).
    history = [bill("p1", "60", customer_no="S1"), bill("p2", "60", customer_no="S1"), bill("p3", customer_no="S9")]
    assert (await post_bills(org, history, period=PREVIOUS)).status_code == 200
    assert await _history_flags(org) == [("QY-QC-01", False)]
    assert (await post_bills(org, [bill("t1", "360.01", customer_no="S1"), bill("t2", "360", customer_no="S9"),
                                   bill("t3", "360", customer_no="S1", unit="QY-QC-02")])).status_code == 200
    assert (await run(org)).status_code == 200
    assert sorted((s["bill_id"], s["rule"]) for s in await suspects(org)) == [("t1", "surge"), ("t2", "surge")]


async def test_last_month_is_summed_across_units_and_not_when_each_customer_had_one_bill(
        org: httpx.AsyncClient) -> None:
    # Two files, each with its customers once, but S2 in both units: 60 + 60 kWh.
    assert (await post_bills(org, [bill("p1", "60", customer_no="S2"), bill("p2", "200", customer_no="S3")],
                             period=PREVIOUS)).status_code == 200
    assert await _history_flags(org) == [("QY-QC-01", True)]
    assert (await post_bills(org, [bill("p3", "60", customer_no="S2", unit="QY-QC-02")],
                             period=PREVIOUS)).status_code == 200
    assert await _history_flags(org) == [("QY-QC-01", True), ("QY-QC-02", False)]
    assert (await post_bills(org, [bill("t1", "360.01", customer_no="S2"), bill("t2", "600.01", customer_no="S3")])
            ).status_code == 200
    assert (await run(org)).status_code == 200
    assert sorted((s["bill_id"], s["message"]) for s in await suspects(org)) == [
        ("t1", "本月电量 360.01 kWh 超过上月 120 kWh 的 3 倍"), ("t2", "本月电量 600.01 kWh 超过上月 200 kWh 的 3 倍")]
    # QY-QC-02's file again, without S2: every customer had one bill last month, joined as they are; S2's
    # 60 kWh is under the surge rule's 100 kWh minimum, so t1's open suspect goes.
    assert (await post_bills(org, [bill("p4", "70", customer_no="S4", unit="QY-QC-02")],
                             period=PREVIOUS)).status_code == 200
    assert await _history_flags(org) == [("QY-QC-01", True), ("QY-QC-02", True)]
    assert (await run(org)).status_code == 200
    assert [(s["bill_id"], s["rule"]) for s in await suspects(org)] == [("t2", "surge")]
