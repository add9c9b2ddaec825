"""Shared set-up of the scoring integration tests: a small org tree."""

from __future__ import annotations

import httpx
import pytest

from shared.testing.plugin import token

ADMIN = token("admin")
ORG = [
    {"code": "QY-QC-01", "name": "石角供电所", "level": "station", "parent": "QY-QC", "area_type": "rural"},
    {"code": "QY-QC", "name": "清城区供电局", "level": "county", "parent": "QY"},
    {"code": "QY", "name": "清远供电局", "level": "city"},
    {"code": "QY-QC-02", "name": "龙塘供电所", "level": "station", "parent": "QY-QC", "area_type": "urban"},
    {"code": "QY-YD-01", "name": "英城供电所", "level": "station", "parent": "QY-YD", "area_type": "urban"},
    {"code": "QY-YD", "name": "英德市供电局", "level": "county", "parent": "QY"},
]


@pytest.fixture
async def org(embedded: httpx.AsyncClient) -> httpx.AsyncClient:
    r = await embedded.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return embedded
