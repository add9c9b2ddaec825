"""The 通报 headlines the caller's top unit with that unit's own figures; lights counted per level;
incomplete stations marked and not ranked (issue 10 points 1 and 3), built through the APIs.

The bureau has recovery facts for two stations only — none for the city or the counties — so the only
honest city rate is scoring's roll-up Σcollected/Σreceivable (490 000 / 500 000 = 98 %), and the only
honest county rate the county's own (清城: 190 000 / 200 000 = 95 %). Before scoring gives roll-ups
(branch wt-scoring) the headline must say "no data" rather than borrow a child's rate; the parts that
need scoring's city row, roll-ups and `status` check themselves against what the API returns and assert
the exact roll-up figures once the API has them.
"""

from __future__ import annotations

import io
import re

import httpx
import pytest
from openpyxl import load_workbook

from shared.testing.plugin import token
from tests.helpers import found
from tests.integration.bulletin.conftest import ADMIN, GOOD, ORG, PERFECT, PERIOD

COUNTY = token("viewer", units=("QY-QC",), subject="qc-viewer")


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
async def partial(app_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Three stations; QY-QC-02 sent no facts at all (incomplete once scoring says so, no light)."""
    c = app_client
    await _ok(await c.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN))
    await _ok(await c.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={"batch_id": "oct", "rows": [
        {"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-YD-01", "counters": PERFECT}]}))
    await _ok(await c.put(f"/api/v1/recovery/{PERIOD}/facts", headers=ADMIN, json={"rows": [
        {"unit": "QY-QC-01", "receivable": "200000.00", "collected": "190000.00"},
        {"unit": "QY-YD-01", "receivable": "300000.00", "collected": "300000.00"}]}))
    await _ok(await c.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"}, headers=ADMIN))
    return c


def _kpi(html: str, kpi_id: str) -> str:
    found = re.search(rf'<div class="kpi" id="{kpi_id}"([^>]*)>(.*?)</div>\s*<div class="kpi"', html, re.S)
    assert found, f"no {kpi_id}"
    return found.group(1) + found.group(2)


async def _own_rate(c: httpx.AsyncClient, unit: str) -> float | None:
    """The unit's own recovery rate as scoring explains it (None: scoring gives it none)."""
    r = await c.get(f"/api/v1/scores/{PERIOD}/{unit}", headers=ADMIN)
    if r.status_code == 404:
        return None
    return ((r.json().get("recovery") or {}).get("recovery_rate"))


async def _scores(c: httpx.AsyncClient) -> dict[str, dict]:
    return {i["unit"]: i for i in (await _ok(await c.get("/api/v1/scores", params={"period": PERIOD},
                                                         headers=ADMIN)))["items"]}


def _shown_rate(kpi: str) -> str:
    return found(r'<div class="v[^"]*">([^<]*)</div>', kpi).group(1)


async def test_admin_bulletin_headlines_the_city_with_its_own_rate(partial: httpx.AsyncClient) -> None:
    html = (await partial.get(f"/api/v1/reports/{PERIOD}.html", headers=ADMIN)).text
    score_kpi, rate_kpi = _kpi(html, "kpi-score"), _kpi(html, "kpi-recovery")
    assert 'data-unit="QY"' in score_kpi and "清远供电局" in score_kpi and 'data-unit="QY"' in rate_kpi
    assert "kpi-score-2" not in html  # one top unit
    # never one county's or one station's rate as the bureau's
    assert _shown_rate(rate_kpi) not in ("95.00%", "100.00%")
    city = (await _scores(partial)).get("QY")
    own = await _own_rate(partial, "QY")
    if own is None:
        assert _shown_rate(rate_kpi) == "本期无回收数据"
    else:
        assert _shown_rate(rate_kpi) == "98.00%" and own == pytest.approx(0.98) and "未达标" in rate_kpi
    if city is None:  # scoring without city rows: the city has no score yet, said in words
        assert "本期无评分" in score_kpi
    else:
        assert f">{city['score']:.2f}<" in score_kpi

    xlsx = await partial.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=ADMIN)
    cover = {row[0]: row[1] for row in load_workbook(io.BytesIO(xlsx.content))["概况"].iter_rows(values_only=True)}
    assert cover["考核单位"] == "清远供电局" and cover["单位层级"] == "市局"
    assert cover["电费回收率"] == ("无数据" if own is None else own)


async def test_county_token_headlines_its_county_with_its_own_rate(partial: httpx.AsyncClient) -> None:
    r = await partial.get(f"/api/v1/reports/{PERIOD}.html", headers=COUNTY)
    assert r.status_code == 200, r.text
    html = r.text
    rate_kpi = _kpi(html, "kpi-recovery")
    assert 'data-unit="QY-QC"' in rate_kpi and "清城区供电局" in rate_kpi
    assert "清远供电局" not in html and 'data-unit="QY-YD-01"' not in html
    own = await _own_rate(partial, "QY-QC")
    if own is None:  # scoring without county roll-ups: the station's 95 % is not borrowed for the county
        assert _shown_rate(rate_kpi) == "本期无回收数据"
    else:
        assert own == pytest.approx(0.95) and _shown_rate(rate_kpi) == "95.00%"
    assert "kpi-lights-county" not in html  # the county is the headline: only its stations are counted
    assert re.sub(r"<[^>]+>", "", _kpi(html, "kpi-lights-station")).split("）")[-1].split() == [
        "0", "/", "0", "/", "1", "/", "1"]  # QY-QC-01 red, QY-QC-02 without facts


async def test_lights_are_counted_per_level_with_no_data_apart(partial: httpx.AsyncClient) -> None:
    html = (await partial.get(f"/api/v1/reports/{PERIOD}.html", headers=ADMIN)).text

    def counts(level: str) -> list[int]:
        kpi = _kpi(html, f"kpi-lights-{level}")
        return [int(found(rf'class="n-{k}">(\d+)<', kpi).group(1)) for k in ("green", "yellow", "red", "none")]

    # stations: QY-YD-01 green (100 %), QY-QC-01 red (95 %), QY-QC-02 no facts → none, never green or red
    assert counts("station") == [1, 0, 1, 1]
    # counties: whatever light scoring gives each (roll-up), a county without one counted as none
    lights = {i["unit"]: i["light"] for i in (await _ok(await partial.get(
        "/api/v1/recovery/lights", params={"period": PERIOD}, headers=ADMIN)))["items"]}
    rows = await _scores(partial)
    county = [lights.get(u) or (rows.get(u) or {}).get("light") for u in ("QY-QC", "QY-YD")]
    expected = [sum(x == k for x in county) for k in ("green", "yellow", "red")]
    assert counts("county") == [*expected, 2 - sum(expected)]
    assert "kpi-lights-city" not in html  # the city is the headline itself
    assert "回收率灯（绿 / 黄 / 红）" not in html  # no box adding counties and stations together

    xlsx = await partial.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=ADMIN)
    cover = {row[0]: row[1] for row in load_workbook(io.BytesIO(xlsx.content))["概况"].iter_rows(values_only=True)}
    assert [cover[f"供电所{k}"] for k in ("绿灯", "黄灯", "红灯", "无数据")] == [1, 0, 1, 1]


async def test_incomplete_stations_are_marked_and_not_ranked(partial: httpx.AsyncClient) -> None:
    row = (await _scores(partial))["QY-QC-02"]
    assert row["status"] == "incomplete" and row["rank"] is None
    html = (await partial.get(f"/api/v1/reports/{PERIOD}.html", headers=ADMIN)).text
    ranked = found(r'<table id="station-ranking">(.*?)</table>', html, re.S).group(1)
    tr = re.search(r'<tr data-unit="QY-QC-02" class="incomplete">(.*?)</tr>', ranked, re.S)
    assert tr and '<td class="rank">—</td>' in tr.group(1) and "数据不全" in tr.group(1)
    assert re.search(r'<div class="v">2 个 / <span class="bad">1 个</span>', _kpi(html, "kpi-stations"))

    xlsx = await partial.get(f"/api/v1/reports/{PERIOD}.xlsx", headers=ADMIN)
    sheet = list(load_workbook(io.BytesIO(xlsx.content))["供电所排名"].iter_rows(min_row=2, values_only=True))
    marked = {r[1]: (r[0], r[7]) for r in sheet}
    assert marked["QY-QC-02"][0] is None and marked["QY-QC-02"][1].startswith("数据不全")
    assert marked["QY-YD-01"] == (1, "完整")
