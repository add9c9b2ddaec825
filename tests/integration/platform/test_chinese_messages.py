"""Chinese-first texts in what the API writes (issue 14.3): problem titles and details, field messages
(pydantic's own behind a Chinese lead naming the field), alert summaries; `type` URNs and field names
stay English."""

from __future__ import annotations

import re
import uuid

import httpx

from shared.testing.plugin import token
from tests.helpers import GRAVE_ERROR_BODY, SMALL_BUREAU_ORG, eventually

ADMIN = token("admin")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _chinese(r: httpx.Response) -> list[str]:
    """The problem's texts that carry no Chinese (empty: all Chinese-first)."""
    body = r.json()
    texts = [("title", body["title"]), ("detail", body.get("detail", "中"))]
    texts += [(f"errors[{i}].message", e["message"]) for i, e in enumerate(body.get("errors", []))]
    return [f"{r.request.method} {r.request.url.path} {r.status_code} {k}: {v!r}" for k, v in texts
            if not CJK.search(v)]


async def test_problems_are_chinese_first(embedded: httpx.AsyncClient) -> None:
    c = embedded
    assert (await c.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)).status_code == 200
    answers = [
        await c.get("/api/v1/errors"),  # 401: no token
        await c.get("/api/v1/users", headers=token("station", units=("QY-QC-01",))),  # 403: role
        await c.get(f"/api/v1/tickets/{uuid.uuid4()}", headers=ADMIN),  # 404
        await c.get("/api/v1/nowhere", headers=ADMIN),  # 404 of the router
        await c.delete("/api/v1/errors", headers=ADMIN),  # 405
        await c.post("/api/v1/errors", json={"unit": "QY-QC-01"}, headers=ADMIN),  # 422 pydantic
        await c.post("/api/v1/errors", content=b"\xff\xfe", headers={**ADMIN, "Content-Type": "application/json"}),
        await c.post("/api/v1/errors", json={**GRAVE_ERROR_BODY, "unit": "QY-ZZ-99"}, headers=ADMIN),  # reference
        await c.post("/api/v1/silences", headers=ADMIN, json={  # our own check
            "matchers": [{"name": "unit", "value": "QY-QC-01"}], "starts_at": "2026-12-02T00:00:00+08:00",
            "ends_at": "2026-12-01T00:00:00+08:00"}),
        await c.post("/api/v1/review/2026-10/bills", content=b"unit,bill_id\nQY-QC-01,b1\n",
                     headers={**ADMIN, "Content-Type": "text/csv"}),  # a file's header
    ]
    assert [r.status_code for r in answers] == [401, 403, 404, 404, 405, 422, 422, 422, 422, 422]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in answers)
    not_chinese = [w for r in answers for w in _chinese(r)]
    assert not not_chinese, "\n".join(not_chinese)

    pydantic = answers[5].json()
    assert pydantic["title"] == "请求参数无效"
    missing = {e["field"]: e["message"] for e in pydantic["errors"]}
    assert missing["body.period"] == "字段 body.period 无效：Field required"  # pydantic's words behind the lead
    assert answers[7].json()["errors"] == [{"field": "body.unit", "message": "没有单位 QY-ZZ-99"}]


async def test_alert_summaries_name_codes_in_chinese(embedded: httpx.AsyncClient) -> None:
    c = embedded
    await c.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)
    assert (await c.post("/api/v1/errors", json=GRAVE_ERROR_BODY, headers=ADMIN)).status_code == 201

    async def summary() -> str | None:
        items = (await c.get("/api/v1/alerts?type=ErrorReported", headers=ADMIN)).json()["items"]
        return items[0]["summary"] if items else None
    text = await eventually(summary)
    assert "账单差错（电价差错，舞弊）" in text and "tariff" not in text and "fraud" not in text, text
