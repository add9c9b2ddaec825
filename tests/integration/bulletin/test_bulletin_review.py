"""The bulletin's bill review section (issue 15): per rule the month's suspects raised, confirmed, cleared,
open and the share confirmed; the misses; the stations ready or not — the same figures the review API
gives, in HTML and XLSX; a month without review says so instead of showing zeros."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shared.testing.plugin import token
from tests.helpers import eventually, found
from tests.integration.bill_review.conftest import bill, post_bills, run
from tests.integration.bulletin.conftest import ADMIN, BEFORE, PERIOD

VIEWER = token("viewer")
AUDIT = token("audit_center")


@pytest.fixture
async def reviewed(bureau: httpx.AsyncClient) -> httpx.AsyncClient:
    """October reviewed at QY-QC-01 (ready) and QY-QC-02 (a suspect left open); QY-YD-01 sent no bills.
    A surge confirmed, an amount mismatch cleared, and an error found later on a bill no rule flagged."""
    c = bureau
    history = [bill("S1", "100", customer_no="K1"), bill("S2", "100", customer_no="K2"),
               bill("S3", "120", customer_no="K3", unit="QY-QC-02"),
               bill("S4", "90", customer_no="K4", unit="QY-QC-02")]
    assert (await post_bills(c, history, period=BEFORE)).status_code == 200
    month = [bill("B1", "400", customer_no="K1"),  # surge: > 3 × 100
             bill("B2", "100", customer_no="K2", amount="80.00"),  # amount mismatch
             bill("B3", "0", customer_no="K3", unit="QY-QC-02", curr_reading="1000"),  # zero kWh, 120 last month
             bill("B4", "95", customer_no="K4", unit="QY-QC-02")]  # clean
    assert (await post_bills(c, month)).status_code == 200
    assert (await run(c)).status_code == 200
    found = {s["rule"]: s for s in (await c.get(f"/api/v1/review/{PERIOD}/suspects", headers=ADMIN)).json()["items"]}
    assert set(found) == {"surge", "amount_mismatch", "zero_kwh"}
    r = await c.post(f"/api/v1/review/suspects/{found['surge']['id']}/confirm", headers=AUDIT,
                     json={"nature": "clerical", "amount": "176.52"})
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/review/suspects/{found['amount_mismatch']['id']}/clear", headers=AUDIT,
                     json={"reason": "含违约金减免"})
    assert r.status_code == 200, r.text
    r = await c.post("/api/v1/errors", headers=AUDIT, json={
        "unit": "QY-QC-02", "period": PERIOD, "category": "reading", "nature": "clerical", "amount": "30.00",
        "description": "估抄电量不符，客户投诉后复抄", "customer_no": "K4"})
    assert r.status_code in (200, 201), r.text

    async def both_errors_known() -> dict | None:
        body = (await c.get("/api/v1/review/effectiveness", params={"first": PERIOD}, headers=ADMIN)).json()
        month = body["periods"][0] if body["periods"] else {}
        return body if month.get("from_review") == 1 and month.get("misses") == 1 else None

    await eventually(both_errors_known)
    return c


def _section(html: str) -> str:
    found = re.search(r'<h2 id="review">(.*)$', html, re.S)
    assert found, "no bill review section"
    return found.group(1)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


async def test_the_section_shows_the_effectiveness_api_figures(reviewed: httpx.AsyncClient) -> None:
    c = reviewed
    api = (await c.get("/api/v1/review/effectiveness", params={"first": PERIOD}, headers=ADMIN)).json()
    titles = (await c.get("/api/v1/review/rules", headers=ADMIN)).json()["titles"]
    html = (await c.get(f"/api/v1/reports/{PERIOD}.html", headers=VIEWER)).text
    section = _section(html)
    assert "八、电费发行前审核" in html
    table = found(r'<table id="review-rules">(.*?)</table>', section, re.S).group(1)
    rows = {code: _cells(row) for code, row in re.findall(r'<tr data-rule="(\w+)">(.*?)</tr>', table, re.S)}
    assert list(rows) == list(titles)  # every rule, in the rule set's order, by its Chinese name
    items = {i["rule"]: i for i in api["items"]}
    for code, cells in rows.items():
        i = items.get(code, {"raised": 0, "confirmed": 0, "cleared": 0, "open": 0, "confirmed_share": None})
        share = "—" if i["confirmed_share"] is None else f"{i['confirmed_share'] * 100:.2f}%"
        assert cells == [titles[code], str(i["raised"]), str(i["confirmed"]), str(i["cleared"]), str(i["open"]),
                         share], code
    assert rows["surge"][1:] == ["1", "1", "0", "0", "100.00%"] and rows["surge"][0] == "电量突增"
    assert rows["amount_mismatch"][1:] == ["1", "0", "1", "0", "0.00%"]
    assert rows["zero_kwh"][1:] == ["1", "0", "0", "1", "—"]  # nothing decided: no share, not 0 %
    total = _cells(found(r'<tr class="total">(.*?)</tr>', table, re.S).group(1))
    assert total == ["合计", "3", "1", "1", "1", "50.00%"]
    (month,) = api["periods"]
    misses = found(r'id="kpi-review-misses">(.*?)</div>\s*</div>', section, re.S).group(1)
    assert f"{month['errors']} 件 / {month['from_review']} 件 /" in misses and f"{month['misses']} 件" in misses
    assert (month["errors"], month["from_review"], month["misses"]) == (2, 1, 1)
    # readiness: QY-QC-01 ready, QY-QC-02 has an open suspect, QY-YD-01 sent no bills
    ready = found(r'id="kpi-review-ready">(.*?)</div>\s*</div>', section, re.S).group(1)
    assert "另有 1 个未导入账单" in ready and re.search(r"1 个 / <span[^>]*>1 个", ready)
    not_ready = found(r'<table id="review-not-ready">(.*?)</table>', section, re.S).group(1)
    assert re.findall(r'data-unit="([\w-]+)"', not_ready) == ["QY-QC-02"]
    assert _cells(found(r'<tr data-unit="QY-QC-02">(.*?)</tr>', not_ready, re.S).group(1)) == [
        "龙塘供电所", "2", "1", "0", "0", "有待处理疑点"]


async def test_xlsx_has_the_same_review_figures(reviewed: httpx.AsyncClient) -> None:
    c = reviewed
    titles = (await c.get("/api/v1/review/rules", headers=ADMIN)).json()["titles"]
    r = await c.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=VIEWER)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content))["发行前审核"]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    by_title = {row[0]: row for row in values if row and row[0]}
    assert by_title["电量突增"][1:6] == (1, 1, 0, 0, 1)
    assert by_title["零电量"][1:6] == (1, 0, 0, 1, None)
    assert by_title["合计"][1:6] == (3, 1, 1, 1, 0.5)
    assert all(t in by_title for t in titles.values())
    assert by_title["漏判（无规则标记）"][1] == 1 and by_title["其中审核确认"][1] == 1
    assert by_title["可发行供电所"][1] == 1 and by_title["未就绪供电所"][1] == 1


async def test_a_month_without_review_is_no_data_not_zero(reviewed: httpx.AsyncClient) -> None:
    # September's bills were imported (history) but never reviewed; QY-YD-01 reviewed nothing in October
    for period, headers in ((BEFORE, VIEWER), (PERIOD, token("station", units=("QY-YD-01",)))):
        html = (await reviewed.get(f"/api/v1/reports/{period}.html", headers=headers)).text
        section = _section(html)
        assert "本期未开展电费发行前审核（无审核数据）" in section and "review-rules" not in section
    ws = load_workbook(io.BytesIO((await reviewed.get(f"/api/v1/reports/{BEFORE}.xlsx", headers=VIEWER)).content))
    first = list(ws["发行前审核"].iter_rows(min_row=2, values_only=True))[0]
    assert first[0] == "本期未开展电费发行前审核（无审核数据）"


async def test_a_station_reader_sees_its_own_figures_only(reviewed: httpx.AsyncClient) -> None:
    html = (await reviewed.get(f"/api/v1/reports/{PERIOD}.html", headers=token("station", units=("QY-QC-02",))
                               )).text
    table = found(r'<table id="review-rules">(.*?)</table>', _section(html), re.S).group(1)
    total = _cells(found(r'<tr class="total">(.*?)</tr>', table, re.S).group(1))
    assert total == ["合计", "1", "0", "0", "1", "—"]  # QY-QC-02's zero kWh only
    assert "1 件 / 0 件 /" in _section(html)  # its miss; the confirmed surge is QY-QC-01's


async def test_pdf_carries_the_section(reviewed: httpx.AsyncClient) -> None:
    r = await reviewed.get(f"/api/v1/reports/{PERIOD}.pdf", headers=VIEWER)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "电费发行前审核" in text and "电量突增" in text and "龙塘供电所" in text
