"""The bulletin against scoring's issue-10 contract (city rows, roll-ups, `none` lights, status/missing),
served by canned API answers so it runs whatever the scoring service in this tree returns."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
from openpyxl import load_workbook

from services.bulletin.gather import Gatherer
from services.bulletin.render import render
from services.bulletin.sources import Sources
from tests.helpers import found

PERIOD = "2026-10"
ORG: list[dict[str, str | None]] = [
    {"code": "QY", "name": "清远供电局", "level": "city", "parent": None},
    {"code": "QY-QC", "name": "清城区供电局", "level": "county", "parent": "QY"},
    {"code": "QY-YD", "name": "英德市供电局", "level": "county", "parent": "QY"},
    {"code": "QY-QC-01", "name": "石角供电所", "level": "station", "parent": "QY-QC"},
    {"code": "QY-QC-02", "name": "龙塘供电所", "level": "station", "parent": "QY-QC"},
    {"code": "QY-YD-01", "name": "英城供电所", "level": "station", "parent": "QY-YD"},
]
STAGES = [{"code": "reading", "name": "抄表管理", "score": 80.0}]


def _row(unit: str, level: str, parent: str | None, score: float | None, rank: int | None, light: str | None,
         status: str = "complete", missing: tuple[str, ...] = (), **extra) -> dict:
    name = next(u["name"] for u in ORG if u["code"] == unit)
    return {"unit": unit, "name": name, "level": level, "parent": parent, "score": score, "rank": rank,
            "light": light, "stages": STAGES if level != "city" else [], "no_data": [], "status": status,
            "missing": list(missing), **extra}


SCORES = [
    # the city: mean of its counties, its rate the Σ roll-up of its stations (given on the row)
    _row("QY", "city", None, 87.5, None, "red", detail={"recovery": {"recovery_rate": 0.98}}),
    _row("QY-QC", "county", "QY", 75.0, 2, "red", status="incomplete", missing=("QY-QC-02",)),
    _row("QY-YD", "county", "QY", 100.0, 1, "green"),
    _row("QY-QC-01", "station", "QY-QC", 75.0, 2, "red"),
    _row("QY-QC-02", "station", "QY-QC", 90.0, None, "none", status="incomplete", missing=("bills_issued",)),
    _row("QY-YD-01", "station", "QY-YD", 100.0, 1, "green"),
]
LIGHTS = [{"unit": "QY-QC-01", "light": "red", "recovery_rate": 0.95},
          {"unit": "QY-YD-01", "light": "green", "recovery_rate": 1.0}]


def _answer(request: httpx.Request) -> httpx.Response:
    path, params = request.url.path.removeprefix("/api/v1"), request.url.params
    empty: dict[str, Any] = {"items": [], "next_cursor": None}
    if path == "/org-units":
        return httpx.Response(200, json={"items": ORG, "next_cursor": None})
    if path == "/scores":
        if params["period"] != PERIOD:
            return httpx.Response(404, json={"title": "Not found"})
        return httpx.Response(200, json={"period": PERIOD, "revision": 1, "scheme": "default", "items": SCORES})
    if path == "/recovery/lights":
        return httpx.Response(200, json={"period": PERIOD, "items": LIGHTS})
    if path.startswith(f"/scores/{PERIOD}/"):
        unit = path.rsplit("/", 1)[1]
        row = next(r for r in SCORES if r["unit"] == unit)
        recovery = {"QY-QC": {"recovery_rate": 0.95}}.get(unit)  # the county's roll-up, on its explanation
        return httpx.Response(200, json={**row, "recovery": recovery, "indicators": []})
    if path in ("/errors", "/tickets", "/alerts", f"/review/{PERIOD}/readiness"):
        return httpx.Response(200, json=empty)
    if path == "/review/rules":
        return httpx.Response(200, json={"version": 1, "rules": {}, "titles": {"surge": "电量突增"}})
    if path == "/review/effectiveness":  # no unit reviewed this month
        return httpx.Response(200, json={"first": PERIOD, "last": PERIOD, "items": [], "periods": []})
    if path == "/alerts/summary":  # 告警中 is alerts' own count (its one definition of firing)
        counts = {"total": 0, "by_severity": {}, "by_type": {}}
        return httpx.Response(200, json={
            "definition": "state = firing, not silenced, not inhibited", "definition_zh": "告警中：未确认……",
            "unit": params.get("unit"), "at": "2026-11-05T00:00:00+00:00", "firing": counts,
            "suppressed": counts, "acknowledged": counts, "resolved": counts})
    return httpx.Response(404, json={"title": f"unexpected {path}"})


async def _bulletin(visible=lambda _u: True, scope: tuple[str, ...] = ()):
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer), base_url="http://m2c") as client:
        gatherer = Gatherer(Sources.one(client), visible=visible, scope=scope, recovery_target=0.9999, top_losses=5,
                            top_alerts=5, concurrency=2, now=datetime(2026, 11, 5, tzinfo=UTC))
        return await gatherer.bulletin(PERIOD)


async def test_bureau_wide_bulletin_headlines_the_city_and_counts_lights_per_level() -> None:
    b = await _bulletin()
    [top] = b.headline.top
    assert (top.unit, top.level, top.score, top.recovery_rate, top.light) == ("QY", "city", 87.5, 0.98, "red")
    assert [(lv.level, lv.counts) for lv in b.headline.lights] == [
        ("county", {"green": 1, "yellow": 0, "red": 1, "none": 0}),
        ("station", {"green": 1, "yellow": 0, "red": 1, "none": 1})]
    assert (b.headline.stations_ranked, b.headline.stations_incomplete) == (2, 1)
    assert [p.unit for p in b.losses] == []  # the incomplete station's explanation is not asked for losses
    assert b.review is None  # bill review: no unit reviewed this month is no data, not zeros

    html = render(b, "html").decode()
    assert re.search(r'id="kpi-score" data-unit="QY">.*?87\.50', html, re.S)
    assert re.search(r'id="kpi-recovery" data-unit="QY">.*?98\.00%.*?未达标，差 1\.99 个百分点', html, re.S)
    row = found(r'<tr data-unit="QY-QC-02" class="incomplete">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="rank">—</td>' in row and "数据不全（缺：发行账单数）" in row
    assert "light-none" in row and "无数据" in row  # no recovery facts: grey, not a colour
    county = found(r'<tr data-unit="QY-QC" class="incomplete">(.*?)</tr>', html, re.S).group(1)
    assert "数据不全（缺：龙塘供电所）" in county  # a missing unit by its name

    wb = load_workbook(io.BytesIO(render(b, "xlsx")))
    cover = {r[0]: r[1] for r in wb["概况"].iter_rows(values_only=True)}
    assert (cover["考核单位"], cover["综合得分"], cover["电费回收率"]) == ("清远供电局", 87.5, 0.98)
    assert [cover[f"县区局{k}"] for k in ("绿灯", "黄灯", "红灯", "无数据")] == [1, 0, 1, 0]
    assert [cover[f"供电所{k}"] for k in ("绿灯", "黄灯", "红灯", "无数据")] == [1, 0, 1, 1]
    stations = {r[1]: r for r in wb["供电所排名"].iter_rows(min_row=2, values_only=True)}
    assert stations["QY-QC-02"][0] is None and stations["QY-QC-02"][7] == "数据不全（缺：发行账单数）"
    assert stations["QY-YD-01"][0] == 1 and stations["QY-YD-01"][7] == "完整"


async def test_county_reader_gets_its_county_with_the_countys_own_rate() -> None:
    b = await _bulletin(visible=lambda u: u == "QY-QC" or u.startswith("QY-QC-"), scope=("QY-QC",))
    [top] = b.headline.top
    assert (top.unit, top.score, top.recovery_rate, top.status) == ("QY-QC", 75.0, 0.95, "incomplete")
    assert [lv.level for lv in b.headline.lights] == ["station"]
    html = render(b, "html").decode()
    kpi = found(r'id="kpi-score" data-unit="QY-QC">(.*?)</div>\s*<div class="kpi"', html, re.S).group(1)
    assert "75.00" in kpi and "数据不全" in kpi
    assert "清远供电局" not in html and "98.00%" not in html
