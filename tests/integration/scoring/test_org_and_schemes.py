"""Org units (JSON and CSV bulk upsert, tree checks, scope) and versioned schemes over HTTP."""

from __future__ import annotations

import copy

import httpx

from services.scoring.domain.default_scheme import DEFAULT_SCHEME
from shared.testing.plugin import token
from tests.integration.scoring.conftest import ADMIN


async def test_org_units_upsert_read_and_scope(org: httpx.AsyncClient) -> None:
    r = await org.get("/api/v1/org-units?under=QY-QC", headers=token("viewer"))
    assert [u["code"] for u in r.json()["items"]] == ["QY-QC", "QY-QC-01", "QY-QC-02"]
    r = await org.get("/api/v1/org-units", headers=token("station", units=("QY-YD-01",)))
    assert [u["code"] for u in r.json()["items"]] == ["QY-YD-01"]

    csv_body = "code,name,level,parent,area_type\nQY-QC-01,石角所（更名）,station,QY-QC,rural\n" \
               "QY-QC-03,新所,station,QY-QC,\n"
    r = await org.post("/api/v1/org-units", content=csv_body.encode(),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json() == {"upserted": 2, "encoding": "utf-8"}
    items = {u["code"]: u for u in (await org.get("/api/v1/org-units", headers=ADMIN)).json()["items"]}
    assert items["QY-QC-01"]["name"] == "石角所（更名）" and items["QY-QC-03"]["parent"] == "QY-QC"


async def test_org_units_rejected_with_the_offending_row(org: httpx.AsyncClient) -> None:
    body = {"units": [{"code": "QY-QC-05", "name": "a", "level": "station", "parent": "QY-QC"},
                      {"code": "QY-XX-01", "name": "b", "level": "station", "parent": "QY-XX"}]}
    r = await org.post("/api/v1/org-units", json=body, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "units[1].parent", "message": "没有上级单位 QY-XX"}]
    r = await org.post("/api/v1/org-units", json={"units": [
        {"code": "QY-QC-06", "name": "c", "level": "station", "parent": "QY"}]}, headers=ADMIN)
    assert r.status_code == 422 and "须以县区局为上级" in r.json()["errors"][0]["message"]
    r = await org.post("/api/v1/org-units", content=b"code,name,level,parent\nqy bad,x,station,QY-QC\n",
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "units[0].code"
    r = await org.post("/api/v1/org-units", json=body, headers=token("marketing"))
    assert r.status_code == 403
    codes = [u["code"] for u in (await org.get("/api/v1/org-units", headers=ADMIN)).json()["items"]]
    assert "QY-QC-05" not in codes  # nothing of a rejected batch


async def test_schemes_are_versioned_and_validated(embedded: httpx.AsyncClient) -> None:
    r = await embedded.get("/api/v1/schemes", headers=token("viewer"))
    assert [s["code"] for s in r.json()["items"]] == ["default"]  # seeded

    doc = copy.deepcopy(DEFAULT_SCHEME) | {"code": "qy-2026", "effective_from": "2026-07", "red_below": 70}
    doc["stages"][0]["indicators"][2]["rule"] = {"type": "bands", "bands": [{"min": 0, "score": 100},
                                                                          {"min": 5, "score": 50}]}
    r = await embedded.post("/api/v1/schemes", json=doc, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (await embedded.get("/api/v1/schemes/qy-2026", headers=ADMIN)).json()["red_below"] == 70
    assert (await embedded.post("/api/v1/schemes", json=doc, headers=ADMIN)).status_code == 200  # a retry
    assert (await embedded.post("/api/v1/schemes", json=doc | {"name": "另一"}, headers=ADMIN)).status_code == 409

    bad = copy.deepcopy(doc) | {"code": "qy-bad"}
    bad["stages"][1]["weight"] = 0.6
    r = await embedded.post("/api/v1/schemes", json=bad, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stages"
    bad = copy.deepcopy(doc) | {"code": "qy-bad"}
    bad["stages"][0]["indicators"][0]["rule"]["zero_at"] = 1.0
    r = await embedded.post("/api/v1/schemes", json=bad, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stages[0].indicators[0].rule.full_at"
    bad["stages"][0]["indicators"][0]["rule"] = {"type": "linear", "zero_at": 1}
    r = await embedded.post("/api/v1/schemes", json=bad, headers=ADMIN)
    assert r.status_code == 422 and any("direction" in e["field"] for e in r.json()["errors"])
    assert (await embedded.post("/api/v1/schemes", json=doc | {"code": "x2"}, headers=token("viewer"))
            ).status_code == 403
    assert (await embedded.get("/api/v1/schemes/nope", headers=ADMIN)).status_code == 404
