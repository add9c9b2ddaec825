"""Issue 14: the daily actions done in real headless Chromium by people signed in with accounts — each test
then asks the API what the action changed (the page is never its own witness)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.browser.seed import ADMIN, PASSWORD, account, bureau, raw_token
from tests.e2e.browser.support import ARTIFACTS, ready, refusals_only, shot, sign_in
from tests.helpers import GOOD_COUNTERS as GOOD


def _after(period: str) -> str:
    y, m = map(int, period.split("-"))
    n = y * 12 + m
    return f"{n // 12}-{n % 12 + 1:02d}"


async def _score_current_month_without_qc02(api: httpx.AsyncClient, period: str) -> str:
    """The month after the seed's: QY-QC-02 sends nothing, so it is incomplete (and unscored) there."""
    later = _after(period)
    r = await api.put(f"/api/v1/facts/{later}/counters", headers=ADMIN, json={"batch_id": f"c-{later}", "rows": [
        {"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-YD-01", "counters": GOOD}]})
    assert r.status_code < 300, r.text
    return later


async def test_sign_in_lands_on_the_users_own_month_and_sign_out_ends_the_session(
        live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    period = await bureau(api)
    later = await _score_current_month_without_qc02(api, period)
    scored = await api.post(f"/api/v1/periods/{later}/score", params={"allow_incomplete": "true"}, headers=ADMIN)
    assert scored.status_code == 201, scored.text
    own = {i["unit"]: i for i in (await api.get(f"/api/v1/scores?period={later}", headers=ADMIN)).json()["items"]}
    assert own["QY-QC-02"]["score"] is None  # scored anywhere in `later`, but not QY-QC-02
    await account(api, "qc02", "station", units=("QY-QC-02",), display_name="李四")

    await page.goto(live_app + "/")
    await ready(page, "signin")
    await shot(page, "signin")
    await page.fill("#login-name", "qc02")
    await page.fill("#login-password", "wrong-password-1")
    await page.click("#login-submit")
    await page.wait_for_selector("#signin-error:has-text('账号或密码错误')")
    console.errors.clear()  # the refused sign-in is a 401 the browser logs

    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await ready(page, "overview")
    assert await page.inner_text("#who-name") == "李四"
    assert await page.inner_text("#who-roles") == "供电所"
    assert await page.input_value("#period") == period  # its own latest scored month, not `later`
    await shot(page, "signed-in-station-user")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    assert {"m2c_session", "m2c_csrf"} <= cookies.keys()
    session = {"Cookie": f"m2c_session={cookies['m2c_session']}"}
    me = await api.get("/api/v1/auth/me", headers=session)
    assert me.json()["subject"] == "user:qc02"
    assert "admin" not in await page.inner_text("#nav")
    assert await page.locator("#nav a[data-page='users']").count() == 0  # admin pages not offered

    await page.click("#signout")
    await ready(page, "signin")
    assert await page.locator("#signout").is_hidden()
    after = await api.get("/api/v1/auth/me", headers=session)
    assert after.status_code == 401  # the session ended on the server, not only in the page
    assert console.errors == []

    # an account disabled while signed in: its next call is a 401 and the page goes back to sign-in
    await sign_in(page, live_app, "qc02", PASSWORD)
    disabled = await api.patch("/api/v1/users/qc02", json={"disabled": True}, headers=ADMIN)
    assert disabled.status_code == 200, disabled.text
    await page.click("#nav a[data-page='tickets']")
    await ready(page, "signin")
    assert "登录已失效" in await page.inner_text("#signin-error")
    assert await page.inner_text("#who") == ""
    assert console.errors and all("status of 401" in e for e in console.errors), console.errors  # the page's calls


async def test_report_an_error_then_close_it_with_cause_prevention_and_accountability(
        live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    period = await bureau(api)
    await account(api, "qc01", "station", units=("QY-QC-01",), display_name="张三")
    await account(api, "kefu", "customer_service", display_name="客服王")

    await sign_in(page, live_app, "qc01", PASSWORD)
    await page.goto(f"{live_app}/#/errors")
    await ready(page, "errors")
    await page.click("#er-new")
    assert await page.locator("#er-unit option").evaluate_all("os => os.map(o => o.value)") == ["QY-QC-01"]
    await page.fill("#er-period", period)
    await page.select_option("#er-category", "tariff")
    await page.select_option("#er-nature", "negligence")
    await page.fill("#er-amount", "-356.20")
    await page.fill("#er-customer", "0301234567")
    await page.click("#er-submit")  # no description: the API's 422 is shown beside the field
    await page.wait_for_selector("[data-field='description'] .field-error:not([hidden])")
    assert await page.locator("[data-field='description'] .field-error").inner_text() == "必填"
    await page.fill("#er-description", "误套居民电价，少收电费")
    await shot(page, "error-report-form")
    await page.click("#er-submit")
    await page.wait_for_selector("#notice:has-text('差错已上报')")
    assert await page.locator("#error-form").count() == 0  # a station may report, not close
    error_id = page.url.split("id=")[1].split("&")[0]
    stored = (await api.get(f"/api/v1/errors/{error_id}", headers=ADMIN)).json()
    assert (stored["unit"], stored["period"], stored["category"], stored["nature"]) == (
        "QY-QC-01", period, "tariff", "negligence")
    assert float(stored["amount"]) == -356.20
    assert (stored["customer_no"], stored["reporter"], stored["state"]) == ("0301234567", "user:qc01", "reported")
    assert stored.get("bills_affected", 1) == 1
    assert await page.inner_text("#error-facts [data-field='category']") == "电价差错"
    await page.click("#signout")
    await ready(page, "signin")

    await sign_in(page, live_app, "kefu", PASSWORD)
    await page.goto(f"{live_app}/#/error?id={error_id}")
    await ready(page, "error")
    await page.fill("#ef-root_cause", "新装用户电价类别录入错误")
    await page.click("button[data-action='close']")  # prevention and accountability missing: 422 beside them
    await page.wait_for_selector("[data-field='prevention_measure'] .field-error:not([hidden])")
    assert (await api.get(f"/api/v1/errors/{error_id}", headers=ADMIN)).json()["state"] == "reported"
    await page.click("button[data-action='root_cause']")
    await page.wait_for_selector("#error-state[data-state='root_caused']")
    await page.fill("#ef-prevention_measure", "新装流程增加电价复核")
    await page.fill("#ef-accountability_decision", "对责任人提醒谈话")
    await page.click("button[data-action='close']")
    await page.wait_for_selector("#error-state[data-state='closed']")
    await shot(page, "error-closed", full_page=True)
    closed = (await api.get(f"/api/v1/errors/{error_id}", headers=ADMIN)).json()
    assert (closed["state"], closed["closed_by"]) == ("closed", "user:kefu")
    assert (closed["root_cause"], closed["prevention_measure"], closed["accountability_decision"]) == (
        "新装用户电价类别录入错误", "新装流程增加电价复核", "对责任人提醒谈话")
    assert await page.inner_text("#error-state") == "已关闭"
    assert refusals_only(console.errors, 2), console.errors  # the two 422s above, nothing else


async def test_walk_a_ticket_to_closed_with_the_audit_trail_on_its_page(
        live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    await bureau(api)
    manual = next(t for t in (await api.get("/api/v1/tickets?reason=manual", headers=ADMIN)).json()["items"])
    await account(api, "chief", "admin", display_name="王主任")
    await account(api, "auditor", "audit_center", display_name="稽核员")

    # an auditor sees no action on an issued ticket (coordinate is marketing's): no button
    await sign_in(page, live_app, "auditor", PASSWORD)
    await page.goto(f"{live_app}/#/ticket?id={manual['id']}")
    await ready(page, "ticket")
    assert await page.locator("form.action-form").count() == 0
    await page.click("#signout")
    await ready(page, "signin")

    await sign_in(page, live_app, "chief", PASSWORD)
    await page.goto(f"{live_app}/#/tickets")
    await ready(page, "tickets")
    await page.click(f".ticket[data-id='{manual['id']}'] a")
    await ready(page, "ticket")
    steps = [("coordinate", {}, "coordinated"), ("receive", {}, "received"),
             ("start_investigation", {}, "investigating"), ("report", {"findings": "抄表员漏抄 3 户"}, "reported"),
             ("close", {"root_cause": "抄表计划未更新", "rectification": "已补抄并更新计划",
                        "accountability_decision": "通报批评"}, "closed")]
    for action, fields, state in steps:
        form = page.locator(f"form#act-{action}")
        if action == "report":  # without findings: the 422 is shown beside the field, the state unchanged
            await form.locator("button").click()
            await form.locator("[data-field='findings'] .field-error:not([hidden])").wait_for()
            assert (await api.get(f"/api/v1/tickets/{manual['id']}", headers=ADMIN)).json()["state"] == "investigating"
        for name, value in fields.items():
            await form.locator(f"textarea[name='{name}']").fill(value)
        await form.locator("button").click()
        await page.wait_for_selector(f"#ticket-state[data-state='{state}']")
    await ready(page, "ticket")
    await shot(page, "ticket-closed", full_page=True)

    detail = (await api.get(f"/api/v1/tickets/{manual['id']}", headers=ADMIN)).json()
    assert detail["state"] == "closed"
    assert [h["action"] for h in detail["history"]][-5:] == [a for a, _, _ in steps]
    assert (detail["findings"], detail["root_cause"], detail["accountability_decision"]) == (
        "抄表员漏抄 3 户", "抄表计划未更新", "通报批评")
    # the audit trail of the ticket's writes is on its page (admin), as the API records it
    trail = (await api.get(f"/api/v1/audit-trail?path=/api/v1/tickets/{manual['id']}", headers=ADMIN)).json()["items"]
    ok = [e for e in trail if e["status"] < 300]
    assert len(ok) == 5 and {e["actor"] for e in ok} == {"user:chief"}
    raised = [e for e in (await api.get("/api/v1/audit-trail?actor=cs-1&path=/api/v1/tickets", headers=ADMIN)).json()[
        "items"] if (e["method"], e["path"]) == ("POST", "/api/v1/tickets")]
    assert len(raised) == 1  # the seed raised it by hand: its creation is on the page too
    shown = await page.locator("#trail tbody tr").evaluate_all("rs => rs.map(r => Number(r.dataset.id))")
    assert shown == sorted([e["id"] for e in trail + raised], reverse=True)
    assert "用户 chief" in await page.inner_text("#trail")
    assert await page.inner_text(f"#trail tr[data-id='{raised[0]['id']}'] .what") == "下发稽核传单"

    await page.goto(f"{live_app}/#/audit?actor=user:chief")
    await ready(page, "audit")
    everything = (await api.get("/api/v1/audit-trail?actor=user:chief", headers=ADMIN)).json()["items"]
    assert [int(x) for x in await page.locator("#audit-trail tbody tr").evaluate_all(
        "rs => rs.map(r => r.dataset.id)")] == [e["id"] for e in everything]
    await shot(page, "audit-trail")
    assert refusals_only(console.errors, 1), console.errors  # the 422 of the report without findings


async def test_upload_a_file_with_a_bad_row_then_a_good_one(live_app: str, api: httpx.AsyncClient, page,
                                                           tmp_path: Path) -> None:
    page, console = page
    period = await bureau(api)
    later = _after(period)
    await account(api, "chief", "admin", display_name="王主任")
    bad = tmp_path / "bills-bad.csv"
    bad.write_text(f"unit,bill_id,issued_on\nQY-QC-01,B1,{later}-01\nQY-QC-01,B2,2001-01-01\nQY-QC-01,B3,{later}-01\n",
                   encoding="utf-8")
    good = tmp_path / "bills.csv"
    good.write_text(f"unit,bill_id,issued_on\nQY-QC-01,B1,{later}-01\nQY-QC-01,B2,{later}-01\n"
                    f"QY-YD-01,B3,{later}-01\n", encoding="utf-8")

    await sign_in(page, live_app, "chief", PASSWORD)
    await page.goto(f"{live_app}/#/imports?period={later}")
    await ready(page, "imports")
    await page.set_input_files("#file-bills", str(bad))
    await page.click("#upload-bills")
    await page.wait_for_selector("#result-bills[data-outcome='refused']")
    refused = await api.post(f"/api/v1/facts/{later}/records/bills", content=bad.read_bytes(),
                             headers={**ADMIN, "Content-Type": "text/csv"})
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    cells = await page.locator("#result-bills .row-errors tbody tr td").all_inner_texts()
    assert cells[:3] == [str(error["row"]), str(error["line"]), error["field"]]
    assert cells[3] == error["message"] and error["field"].startswith("rows[")
    console.errors.clear()  # the refused upload is a 422 the browser logs
    await shot(page, "import-bad-row")
    counters = (await api.get(f"/api/v1/facts/{later}/counters", headers=ADMIN)).json()["items"]
    assert not any("bills_issued" in i["counters"] for i in counters)  # atomic: nothing stored

    await page.set_input_files("#file-bills", str(good))
    await page.click("#upload-bills")
    await page.wait_for_selector("#result-bills[data-outcome='ok']")
    assert await page.inner_text("#result-bills") == "已导入 3 条记录，涉及 2 个单位"
    assert await page.get_attribute("#progress-bills", "value") == "100"
    counters = {i["unit"]: i["counters"] for i in
                (await api.get(f"/api/v1/facts/{later}/counters", headers=ADMIN)).json()["items"]}
    assert (counters["QY-QC-01"]["bills_issued"], counters["QY-YD-01"]["bills_issued"]) == (2, 1)
    await shot(page, "import-done")
    assert console.errors == [], console.errors


async def test_score_a_month_choosing_to_allow_incomplete_data(live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    period = await bureau(api)
    later = await _score_current_month_without_qc02(api, period)
    await account(api, "chief", "admin", display_name="王主任")
    completeness = (await api.get(f"/api/v1/periods/{later}/completeness", headers=ADMIN)).json()

    await sign_in(page, live_app, "chief", PASSWORD)
    await page.goto(f"{live_app}/#/scoring?period={later}")
    await ready(page, "scoring")
    assert await page.inner_text("#sc-incomplete") == str(completeness["counts"]["incomplete"])
    statuses = {i["unit"]: i["status"] for i in completeness["items"]}
    assert await page.get_attribute("#completeness tr[data-unit='QY-QC-02']", "data-status") == statuses["QY-QC-02"]
    assert statuses["QY-QC-02"] == "incomplete"
    await page.click("#sc-score")  # refused: 409 incomplete-period, the stations named, a choice offered
    await page.wait_for_selector("#sc-incomplete-box li[data-unit='QY-QC-02']")
    assert (await api.get(f"/api/v1/periods/{later}/revisions", headers=ADMIN)).json()["items"] == []
    console.errors.clear()  # the 409 is logged by the browser
    await shot(page, "score-blocked")
    await page.check("#sc-allow")
    await page.click("#sc-score")
    await page.wait_for_selector("#sc-done")
    runs = (await api.get(f"/api/v1/periods/{later}/revisions", headers=ADMIN)).json()["items"]
    assert len(runs) == 1 and runs[0]["allow_incomplete"] is True
    rows = {i["unit"]: i for i in (await api.get(f"/api/v1/scores?period={later}", headers=ADMIN)).json()["items"]}
    assert rows["QY-QC-02"]["status"] == "incomplete"
    assert f"第 {runs[0]['revision']} 版" in await page.inner_text("#sc-done")
    await shot(page, "score-done")
    assert console.errors == [], console.errors


async def test_silence_an_alert_from_the_grouped_alerts_table(live_app: str, api: httpx.AsyncClient, page) -> None:
    page, console = page
    await bureau(api)
    await account(api, "kefu", "customer_service", display_name="客服王")
    alerts = (await api.get("/api/v1/alerts", headers=ADMIN)).json()["items"]
    target = alerts[0]

    await sign_in(page, live_app, "kefu", PASSWORD)
    await page.goto(f"{live_app}/#/alerts")
    await ready(page, "alerts")
    groups = await page.locator("#alerts tbody.unit-group").evaluate_all("gs => gs.map(g => g.dataset.unit)")
    assert groups == sorted({a["unit"] for a in alerts})
    for a in alerts:
        row = page.locator(f"#alerts tbody[data-unit='{a['unit']}'] tr.alert[data-id='{a['id']}']")
        assert await row.count() == 1
        assert "Issued" not in await row.locator(".type").inner_text()  # a Chinese label, not the event name
    await page.click(f"button.silence[data-id='{target['id']}']")
    await page.select_option("#silence-form select[name=duration]", "86400")
    await page.fill("#silence-form input[name=comment]", "已电话联系，正在处理")
    await page.click("#silence-submit")
    await page.wait_for_selector("#al-notice:has-text('已静默')")
    silences = (await api.get("/api/v1/silences", headers=ADMIN)).json()
    assert len(silences) == 1
    s = silences[0]
    assert {(m["name"], m["value"]) for m in s["matchers"]} == {("type", target["type"]), ("unit", target["unit"])}
    assert (s["comment"], s["created_by"]) == ("已电话联系，正在处理", "user:kefu")
    assert await page.locator(f"#silences tr[data-id='{s['id']}']").count() == 1
    assert await page.locator(f"tr.alert[data-id='{target['id']}'] .badge.silenced").count() == 1
    await page.set_viewport_size({"width": 1366, "height": 900})
    await shot(page, "alerts-silenced")

    # a viewer (token pasted under "advanced") sees neither acknowledge nor silence
    await page.click("#signout")
    await ready(page, "signin")
    await page.click("#advanced summary")
    await page.fill("#token", raw_token("viewer", subject="viewer-9"))
    await page.click("#signin-form button[type=submit]")
    await ready(page, "alerts")  # back on the page where the session ended
    assert await page.inner_text("#who-name") == "viewer-9"
    assert await page.locator("button.silence, button.ack, button.unsilence").count() == 0
    assert console.errors == [], console.errors


async def test_admin_creates_an_account_and_an_api_key_shown_once(live_app: str, api: httpx.AsyncClient,
                                                                 page) -> None:
    page, console = page
    await bureau(api)
    await account(api, "chief", "admin", display_name="王主任")
    await sign_in(page, live_app, "chief", PASSWORD)

    await page.goto(f"{live_app}/#/users")
    await ready(page, "users")
    await page.fill("#us-name", "qc01")
    await page.fill("#us-display", "张三")
    await page.fill("#us-password", PASSWORD)
    await page.fill("#us-units", "QY-QC-01")
    await page.check("#user-form input[name=roles][value=station]")
    await page.click("#us-submit")
    await page.wait_for_selector("#notice:has-text('已创建账号 qc01')")
    users = {u["name"]: u for u in (await api.get("/api/v1/users", headers=ADMIN)).json()}
    assert (users["qc01"]["display_name"], users["qc01"]["roles"], users["qc01"]["units"]) == (
        "张三", ["station"], ["QY-QC-01"])
    signed = await api.post("/api/v1/auth/login", json={"name": "qc01", "password": PASSWORD})
    assert signed.status_code == 200
    api.cookies.clear()  # the shared client keeps calling with the admin's bearer only

    await page.goto(f"{live_app}/#/apikeys")
    await ready(page, "apikeys")
    await page.fill("#ak-name", "营销系统")
    await page.check("#key-form input[name=roles][value=viewer]")
    await page.click("#ak-submit")
    await page.wait_for_selector("#new-key")
    key = await page.inner_text("#new-key")
    assert key.startswith("m2ck_")
    await shot(page, "apikey-created")
    assert (await api.get("/api/v1/alerts", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    await page.reload()
    await ready(page, "apikeys")
    assert await page.locator("#new-key").count() == 0  # shown once
    page.on("dialog", lambda d: d.accept())
    listed = (await api.get("/api/v1/api-keys", headers=ADMIN)).json()
    await page.click(f"button.revoke[data-id='{listed[0]['id']}']")
    await page.wait_for_selector("#notice:has-text('密钥已吊销')")
    assert (await api.get("/api/v1/alerts", headers={"Authorization": f"Bearer {key}"})).status_code == 401

    # alert subscriptions: a webhook for red recovery warnings of one county
    await page.goto(f"{live_app}/#/subscriptions")
    await ready(page, "subscriptions")
    await page.fill("#sub-name", "清城区回收预警")
    await page.check("#sub-form input[name=types][value=RecoveryWarningIssued]")
    await page.select_option("#sub-form select[name=min_severity]", "critical")
    await page.fill("#sub-form input[name=unit_prefix]", "QY-QC")
    await page.fill("#sub-url", "https://hooks.example.com/m2c")
    await page.fill("#sub-secret", "short")  # under 16 characters: the API's 422 is shown beside the field
    await page.click("#sub-submit")
    await page.wait_for_selector("[data-field='secret'] .field-error:not([hidden])")
    await page.fill("#sub-secret", "a-secret-of-sufficient-length")
    await page.click("#sub-submit")
    await page.wait_for_selector("#notice:has-text('订阅已创建')")
    subs = (await api.get("/api/v1/subscriptions", headers=ADMIN)).json()
    assert [(s["name"], s["match"], s["channel"]) for s in subs] == [("清城区回收预警", {
        "types": ["RecoveryWarningIssued"], "min_severity": "critical", "unit_prefix": "QY-QC"},
        {"type": "webhook", "url": "https://hooks.example.com/m2c"})]
    assert await page.locator(f"#subscriptions tr[data-id='{subs[0]['id']}']").count() == 1
    await shot(page, "subscriptions")
    assert refusals_only(console.errors, 1), console.errors  # the 422 of the short secret
    assert ARTIFACTS.joinpath("apikey-created.png").exists()
