"""Issues 15 and 16 in real headless Chromium: the 电费复核 page (readiness, suspects, confirm and clear, rule
effectiveness) and the alert groups. After each action the API says what changed; the page is never its own
witness."""

from __future__ import annotations

from collections import defaultdict

import httpx

from tests.e2e.browser.seed import ADMIN, PASSWORD, account, bureau, reviewed_bills
from tests.e2e.browser.support import ready, refusals_only, shot, sign_in
from tests.helpers import eventually


async def _suspects(api: httpx.AsyncClient, period: str) -> dict[str, dict]:
    """The period's suspects by `bill_id/rule`."""
    r = await api.get(f"/api/v1/review/{period}/suspects", params={"limit": 1000}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return {f"{s['bill_id']}/{s['rule']}": s for s in r.json()["items"]}


async def _readiness(api: httpx.AsyncClient, period: str) -> dict[str, dict]:
    r = await api.get(f"/api/v1/review/{period}/readiness", headers=ADMIN)
    assert r.status_code == 200, r.text
    return {u["unit"]: u for u in r.json()["items"]}


async def test_review_page_confirms_one_suspect_and_clears_another(live_app: str, api: httpx.AsyncClient,
                                                                  page) -> None:
    page, console = page
    period = await bureau(api)
    run = await reviewed_bills(api, period)
    assert run["by_rule"] == {"reading_reversed": 1, "kwh_mismatch": 1, "amount_mismatch": 1, "zero_kwh": 1}
    before = await _suspects(api, period)
    await account(api, "kan", "viewer", display_name="只读用户")
    await account(api, "jihe", "audit_center", display_name="稽核员")
    await account(api, "qc02", "station", units=("QY-QC-02",), display_name="龙塘所抄核员")

    # a viewer reads the page but is offered no decision
    await sign_in(page, live_app, "kan", PASSWORD)
    await page.goto(f"{live_app}/#/review")
    await ready(page, "review")
    assert await page.input_value("#f-period") == period  # the latest month with reviewed bills
    assert await page.locator("#suspects tr.suspect").count() == len(before)
    assert await page.locator("#suspects button.confirm, #suspects button.clear, #decide-dialog").count() == 0
    await page.click("#signout")
    await ready(page, "signin")

    await sign_in(page, live_app, "jihe", PASSWORD)
    await page.click("#nav a[data-page='review']")
    await ready(page, "review")
    # readiness per unit, as the API gives it, with names beside codes
    readiness = await _readiness(api, period)
    assert set(readiness) == {"QY-QC-01", "QY-QC-02", "QY-YD-01"}
    for unit, r in readiness.items():
        row = page.locator(f"#readiness tr[data-unit='{unit}']")
        assert await row.get_attribute("data-ready") == str(r["ready"]).lower()
        assert await row.get_attribute("data-open") == str(r["open"])
    assert "石角供电所" in await page.inner_text("#readiness tr[data-unit='QY-QC-01']")
    assert await page.inner_text("#readiness tr[data-unit='QY-YD-01'] .release") == "可发行"
    assert await page.inner_text("#readiness tr[data-unit='QY-QC-01'] .release") == "待处理 3 条"
    # one table of labels for the rule codes, the same names the API gives
    titles = (await api.get("/api/v1/review/rules", headers=ADMIN)).json()["titles"]
    labels = await page.evaluate("""async (codes) => { const { label } = await import('/dashboard/static/js/i18n.js');
        return Object.fromEntries(codes.map((c) => [c, label('rule', c)])); }""", list(titles))
    assert labels == titles
    assert await page.inner_text("#suspects tr[data-rule='zero_kwh'] .rule") == "零电量"
    assert await page.inner_text("#suspects tr[data-rule='zero_kwh'] .state") == "待处理"
    await shot(page, "review", full_page=True)

    # confirm the amount mismatch: without an amount the API's 422 is shown beside the field
    target = before["B-0103/amount_mismatch"]
    await page.click(f"#suspects tr[data-id='{target['id']}'] button.confirm")
    assert await page.input_value("#cf-category") == "tariff"  # the rule's category is offered
    await page.select_option("#cf-nature", "negligence")
    await page.click("#cf-submit")
    await page.wait_for_selector("[data-field='amount'] .field-error:not([hidden])")
    await page.fill("#cf-amount", "40.17")
    await page.fill("#cf-description", "电费金额与电量×电价不符，多收 40.17 元")
    await shot(page, "review-confirm-form")
    await page.click("#cf-submit")
    await page.wait_for_selector("#notice:has-text('已确认为差错')")
    await ready(page, "review")
    confirmed = (await _suspects(api, period))["B-0103/amount_mismatch"]
    assert (confirmed["state"], confirmed["decided_by"]) == ("confirmed", "user:jihe")
    assert confirmed["error_id"]
    assert await page.inner_text(f"#suspects tr[data-id='{target['id']}'] .state") == "已确认差错"

    async def registered() -> dict | None:
        r = await api.get(f"/api/v1/errors/{confirmed['error_id']}", headers=ADMIN)
        return r.json() if r.status_code == 200 else None

    error = await eventually(registered)
    assert (error["unit"], error["period"], error["category"], error["nature"]) == (
        "QY-QC-01", period, "tariff", "negligence")
    assert (float(error["amount"]), error["customer_no"], error.get("bills_affected", 1)) == (40.17, "0301000103", 1)
    listed = (await api.get("/api/v1/errors", params={"unit": "QY-QC-01", "period": period}, headers=ADMIN)).json()
    assert confirmed["error_id"] in {e["id"] for e in listed["items"]}

    # the station clerk of QY-QC-02 sees its own station only, and clears its zero-kWh suspect with a reason
    await page.click("#signout")
    await ready(page, "signin")
    await sign_in(page, live_app, "qc02", PASSWORD)
    await page.goto(f"{live_app}/#/review?period={period}")
    await ready(page, "review")
    assert await page.locator("#readiness tbody tr").evaluate_all("rs => rs.map(r => r.dataset.unit)") == ["QY-QC-02"]
    target = before["B-0201/zero_kwh"]
    assert await page.locator("#suspects tr.suspect").evaluate_all("rs => rs.map(r => +r.dataset.id)") == [target["id"]]
    await page.click(f"#suspects tr[data-id='{target['id']}'] button.clear")
    await page.fill("#cl-reason", "用户外出，房屋空置，本月确无用电")
    await page.click("#cl-submit")
    await page.wait_for_selector("#notice:has-text('疑点已排除')")
    await ready(page, "review")
    after = await _suspects(api, period)
    cleared = after["B-0201/zero_kwh"]
    assert (cleared["state"], cleared["decision"]["reason"]) == ("cleared", "用户外出，房屋空置，本月确无用电")
    untouched = {k: s["state"] for k, s in after.items() if k not in ("B-0103/amount_mismatch", "B-0201/zero_kwh")}
    assert untouched == {"B-0102/reading_reversed": "open", "B-0102/kwh_mismatch": "open"}
    assert cleared["decided_by"] == "user:qc02"
    assert await page.locator(f"#suspects tr[data-id='{target['id']}'] button").count() == 0  # decided: no buttons
    assert await page.get_attribute("#readiness tr[data-unit='QY-QC-02']", "data-ready") == "true"
    await page.click("#signout")
    await ready(page, "signin")
    await sign_in(page, live_app, "jihe", PASSWORD)
    await page.goto(f"{live_app}/#/review?period={period}")
    await ready(page, "review")

    # readiness moved: QY-QC-02 has nothing open now
    readiness = await _readiness(api, period)
    assert readiness["QY-QC-02"]["ready"] is True
    assert await page.get_attribute("#readiness tr[data-unit='QY-QC-02']", "data-ready") == "true"
    assert await page.inner_text("#readiness-summary") == "可发行 2 / 3 个供电所（未导入账单 0 个）；待处理疑点 2 条"

    # rule effectiveness: shares as percentages with what they are based on, as the API counts them
    eff = (await api.get("/api/v1/review/effectiveness", params={"first": period}, headers=ADMIN)).json()
    by_rule = {i["rule"]: i for i in eff["items"]}
    assert (by_rule["amount_mismatch"]["confirmed"], by_rule["amount_mismatch"]["decided"]) == (1, 1)
    assert await page.inner_text("#effectiveness tr[data-rule='amount_mismatch'] .share") == "100.00%（1 / 1）"
    assert await page.inner_text("#effectiveness tr[data-rule='zero_kwh'] .share") == "0.00%（0 / 1）"
    assert "尚无已处理疑点" in await page.inner_text("#effectiveness tr[data-rule='reading_reversed'] .share")
    [month] = [p for p in eff["periods"] if p["period"] == period]
    assert await page.get_attribute("#misses", "data-misses") == str(month["misses"])

    # filters: one unit, open only
    await page.goto(f"{live_app}/#/review?period={period}&unit=QY-QC-01&state=open")
    await ready(page, "review")
    assert sorted(await page.locator("#suspects tr.suspect").evaluate_all("rs => rs.map(r => r.dataset.rule)")) == [
        "kwh_mismatch", "reading_reversed"]
    await shot(page, "review-decided", full_page=True)

    # cursor paging: two suspects a page, every suspect once, in the API's order
    await page.goto(f"{live_app}/#/review?period={period}&limit=2")
    await ready(page, "review")
    ids = "rs => rs.map(r => +r.dataset.id)"
    first = await page.locator("#suspects tr.suspect").evaluate_all(ids)
    assert await page.locator("#first-page").count() == 0
    await page.click("#next-page")
    # the link changes the hash; the old page stays "ready" until the router runs, so wait for the new page's link
    await page.wait_for_selector("#first-page")
    await ready(page, "review")
    second = await page.locator("#suspects tr.suspect").evaluate_all(ids)
    assert await page.locator("#next-page").count() == 0 and await page.locator("#first-page").count() == 1
    assert first + second == sorted(s["id"] for s in after.values())
    assert refusals_only(console.errors, 1), console.errors  # the 422 of the confirm without an amount


async def test_alerts_page_groups_by_unit_and_type_with_the_summarys_firing_count(
        live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    await bureau(api)
    alerts = (await api.get("/api/v1/alerts", params={"limit": 500}, headers=ADMIN)).json()["items"]
    target = next(a for a in alerts if a["status"] == "firing")
    silenced = await api.post("/api/v1/silences", headers=ADMIN, json={
        "matchers": [{"name": "type", "value": target["type"]}, {"name": "unit", "value": target["unit"]}],
        "ends_at": "2099-01-01T00:00:00Z", "comment": "测试：静默一组"})
    assert silenced.status_code == 201, silenced.text
    await account(api, "ops", "admin", display_name="值班员")

    await sign_in(page, live_app, "ops", PASSWORD)
    await page.click("#nav a[data-page='alerts']")
    await ready(page, "alerts")
    summary = (await api.get("/api/v1/alerts/summary", headers=ADMIN)).json()
    alerts = (await api.get("/api/v1/alerts", params={"limit": 500}, headers=ADMIN)).json()["items"]
    expected: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in alerts:
        if a["status"] != "resolved":
            expected[(a["unit"], a["type"])][a["status"]] += 1
    assert summary["suppressed"]["total"] >= 1  # the silence counts apart

    for status in ("firing", "suppressed", "acknowledged", "resolved"):
        assert await page.get_attribute(f"#kpi-{status}", "data-n") == str(summary[status]["total"]), status
    rows = await page.locator("#alert-groups tr.group").evaluate_all("""rs => rs.map(r => [r.dataset.unit,
        r.dataset.type, +r.dataset.firing, +r.dataset.suppressed, +r.dataset.acknowledged])""")
    shown = {(u, t): {"firing": f, "suppressed": s, "acknowledged": k} for u, t, f, s, k in rows}
    assert shown == {key: {s: c.get(s, 0) for s in ("firing", "suppressed", "acknowledged")}
                     for key, c in expected.items()}
    assert sum(g["firing"] for g in shown.values()) == summary["firing"]["total"]
    assert sum(g["suppressed"] for g in shown.values()) == summary["suppressed"]["total"]
    assert await page.locator("#groups-mismatch").count() == 0

    # a group expands to its alerts, each with the API's status
    key = f"{target['unit']}|{target['type']}"
    group = page.locator(f"#alert-groups tr.group[data-key='{key}']")
    await group.locator("button.expand").click()
    members = page.locator(f"#alert-groups tr.group-members[data-key='{key}'] tr.group-alert")
    mine = {a["id"]: a["status"] for a in alerts if (a["unit"], a["type"]) == (target["unit"], target["type"])
            and a["status"] != "resolved"}
    assert dict(await members.evaluate_all("rs => rs.map(r => [r.dataset.id, r.dataset.status])")) == mine
    assert "已抑制" in await members.first.inner_text()
    await shot(page, "alert-groups", full_page=True)
    await group.locator("button.expand").click()
    assert await members.count() == 0

    # the filterable full-width table stays, and shows the one status too
    assert await page.locator("#alerts tbody tr.alert").count() == len(alerts)
    row = page.locator(f"#alerts tr.alert[data-id='{target['id']}']")
    shown_status = (await row.get_attribute("data-status"), await row.locator(".state").inner_text())
    assert shown_status == ("suppressed", "已抑制")
    await group.locator("a.to-table").click()
    await ready(page, "alerts")
    assert f"type={target['type']}" in page.url and f"unit={target['unit']}" in page.url
    assert console.errors == []
