"""GET /api/v1/reports/{period}.{fmt}: what the documents show equals what the services' APIs return."""

from __future__ import annotations

import asyncio
import io
import re

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader

from shared.testing.plugin import token
from tests.helpers import eventually, found
from tests.integration.bulletin.conftest import ADMIN, PERIOD

VIEWER = token("viewer")


def _row(html: str, table: str, unit: str) -> str:
    body = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S)
    assert body, f"no table {table}"
    row = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', body.group(1), re.S)
    assert row, f"no row {unit} in {table}"
    return row.group(1)


def _kpi(html: str, kpi_id: str) -> str:
    """The inside of one headline box (up to the next box)."""
    found = re.search(rf'<div class="kpi" id="{kpi_id}"[^>]*>(.*?)</div>\s*<div class="kpi"', html, re.S)
    assert found, f"no {kpi_id}"
    return found.group(1)


async def _scores(client: httpx.AsyncClient, level: str) -> list[dict]:
    r = await client.get("/api/v1/scores", params={"period": PERIOD, "level": level}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_html_shows_the_api_numbers(bureau: httpx.AsyncClient) -> None:
    r = await bureau.get(f"/api/v1/reports/{PERIOD}.html", headers=VIEWER)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "2026年10月抄核收精细化考核通报" in html and "<svg" in html
    for table, level in (("county-ranking", "county"), ("station-ranking", "station")):
        items = await _scores(bureau, level)
        assert len(items) == (2 if level == "county" else 3)
        for item in items:
            row = _row(html, table, item["unit"])
            assert f'<td class="rank">{item["rank"]}</td>' in row and item["name"] in row
            assert f'<td class="score">{item["score"]:.2f}</td>' in row
    # month over month: QY-QC-01 was perfect in September
    assert "-25.00" in _row(html, "station-ranking", "QY-QC-01")
    # headline: the city's rate 999 950 / 1 000 000 = 99.995 % ≥ 99.99 %, cut (not rounded) to 99.99 %
    lights = (await bureau.get("/api/v1/recovery/lights", params={"period": PERIOD}, headers=ADMIN)).json()["items"]
    assert next(i for i in lights if i["unit"] == "QY")["recovery_rate"] == 0.99995
    kpi = _kpi(html, "kpi-recovery")
    assert "清远供电局" in kpi and "目标 99.99%" in kpi
    assert '<div class="v good">99.99%</div>' in kpi and "<div class=\"k\">达标</div>" in kpi
    assert "95.00%" in _row(html, "lights", "QY-QC-01") and "红灯" in _row(html, "lights", "QY-QC-01")
    # largest point loss = the largest points_lost of any station's explanation
    explained = (await bureau.get(f"/api/v1/scores/{PERIOD}/QY-QC-01", headers=ADMIN)).json()
    worst = max(explained["indicators"], key=lambda i: i["points_lost"])
    first_loss = found(r'<table id="losses">.*?<tbody>\s*<tr data-unit="([^"]+)">(.*?)</tr>', html, re.S)
    assert first_loss.group(1) == "QY-QC-01" and worst["name"] in first_loss.group(2)
    assert f"{worst['points_lost']:.2f}" in first_loss.group(2)
    # errors: two tariff (1 234.50 + 250 000 = 25.12 万元) and one reading error; one accountability
    errors = (await bureau.get("/api/v1/errors", params={"period": PERIOD}, headers=ADMIN)).json()["items"]
    assert len(errors) == 3
    by_category = found(r'<table id="errors-by-category">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"电价差错</td><td>2</td><td>25.12 万元", by_category)
    assert re.search(r"抄表差错</td><td>1</td><td>88.00 元", by_category)
    by_level = found(r'<table id="errors-by-level">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"问责</td><td>1</td>", by_level)
    # tickets: as many as audit_link lists for the period
    tickets = (await bureau.get("/api/v1/tickets", params={"period": PERIOD}, headers=ADMIN)).json()["items"]
    ticket_row = found(r'<table id="tickets">.*?<tbody><tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>',
                           html, re.S)
    assert ticket_row.groups() == (str(len(tickets)), "0", str(sum(t["overdue"] for t in tickets)))
    # the accountability alert is listed
    assert "账单差错" in found(r'<table id="alerts">(.*?)</table>', html, re.S).group(1)


async def test_pdf_is_a_pdf_with_chinese_text(bureau: httpx.AsyncClient, tmp_path) -> None:
    r = await bureau.get(f"/api/v1/reports/{PERIOD}.pdf", headers=VIEWER)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    (tmp_path / "bulletin.pdf").write_bytes(r.content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "通报" in text and "石角供电所" in text and "英城供电所" in text


async def test_xlsx_ranking_sheet_matches_the_api(bureau: httpx.AsyncClient) -> None:
    r = await bureau.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=VIEWER)
    assert r.status_code == 200, r.text
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["概况", "县区局排名", "供电所排名", "回收率红黄绿灯", "主要失分", "差错统计", "稽核传单",
                             "重点告警", "发行前审核"]  # issue 15: the bill review section
    for sheet, level in (("县区局排名", "county"), ("供电所排名", "station")):
        rows = list(wb[sheet].iter_rows(min_row=2, values_only=True))
        assert [(row[0], row[1], row[2], row[4]) for row in rows] == [
            (i["rank"], i["unit"], i["name"], i["score"]) for i in await _scores(bureau, level)]
    cover = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}
    assert cover["电费回收率"] == 0.99995 and cover["是否达标"] == "达标" and cover["差错件数"] == 3


async def test_unit_scoped_token_sees_only_its_subtree(bureau: httpx.AsyncClient) -> None:
    r = await bureau.get(f"/api/v1/reports/{PERIOD}.html", headers=token("station", units=("QY-YD-01",)))
    assert r.status_code == 200, r.text
    assert 'data-unit="QY-YD-01"' in r.text and 'data-unit="QY-QC-01"' not in r.text
    assert "石角供电所" not in r.text and "范围 QY-YD-01" in r.text


async def test_bad_format_period_and_missing_token(app_client: httpx.AsyncClient) -> None:
    r = await app_client.get(f"/api/v1/reports/{PERIOD}.docx", headers=VIEWER)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["path.fmt"]
    r = await app_client.get("/api/v1/reports/2026-13.html", headers=VIEWER)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["path.period"]
    r = await app_client.get(f"/api/v1/reports/{PERIOD}.html")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_an_unscored_period_says_so_in_text(app_client: httpx.AsyncClient) -> None:
    r = await app_client.get(f"/api/v1/reports/{PERIOD}.html", headers=VIEWER)
    assert r.status_code == 200, r.text
    for empty in ("本期尚未评分", "本期无县区局评分数据", "本期无供电所评分数据", "本期无电费回收数据",
                  "本期无失分记录", "本期无差错记录", "本期无稽核工作传单", "本期无告警"):
        assert empty in r.text, empty
    r = await app_client.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=VIEWER)
    assert list(load_workbook(io.BytesIO(r.content))["供电所排名"].iter_rows(min_row=2, values_only=True))[0][0] == (
        "本期无评分数据")


async def test_firing_is_the_alerts_summary_figure_with_its_definition(bureau: httpx.AsyncClient) -> None:
    """告警中 in the 通报 is alerts' own summary figure under the one definition (a silenced alert is
    recorded but not 告警中), with the definition stated; the bulletin does not count rows itself."""
    county = token("viewer", units=("QY-QC",), subject="qc-viewer")
    r = await bureau.post("/api/v1/silences", headers=ADMIN, json={
        "matchers": [{"name": "type", "value": "ScoresPublished"}], "ends_at": "2099-01-01T00:00:00+08:00",
        "comment": "评分告警另行通报"})
    assert r.status_code == 201, r.text

    async def summary() -> dict:
        return (await bureau.get("/api/v1/alerts/summary", params={"unit": "QY-QC"}, headers=ADMIN)).json()

    async def settled() -> dict | None:  # the seeded events are consumed: two reads agree
        first = await summary()
        await asyncio.sleep(0.5)
        again = await summary()
        ok = first["firing"] == again["firing"] and again["suppressed"]["by_type"].get("ScoresPublished")
        return again if ok else None

    await eventually(settled, timeout_s=30)
    html = (await bureau.get(f"/api/v1/reports/{PERIOD}.html", headers=county)).text
    s = await summary()
    firing, critical = s["firing"]["total"], s["firing"]["by_severity"].get("critical", 0)
    assert firing >= 1 and s["suppressed"]["total"] >= 1
    kpi = found(r'<div class="kpi" id="kpi-alerts">(.*?)</div></div>', html, re.S).group(1)
    assert f"{firing} 条（{critical} 条）" in kpi
    note = found(r'<p class="note" id="alerts-definition">(.*?)</p>', html, re.S).group(1)
    assert s["definition_zh"] in note and f"另有已静默/抑制 {s['suppressed']['total']} 条" in note
    assert "已静默/抑制" in found(r'<table id="alerts">(.*?)</table>', html, re.S).group(1)

    wb = load_workbook(io.BytesIO((await bureau.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=county)).content))
    cover = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}
    assert (cover["告警中"], cover["其中严重"], cover["已静默/抑制"]) == (firing, critical, s["suppressed"]["total"])
    assert cover["告警口径"].startswith(s["definition_zh"])
