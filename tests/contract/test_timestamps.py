"""One time convention in every answer (issue 14.3): each timestamp the API returns is RFC 3339 with
Asia/Shanghai's offset (`2026-11-20T10:00:00+08:00`), never `Z` nor `+00:00`; dates (YYYY-MM-DD) and
periods (YYYY-MM) stay as they are. The test fills every kind of resource, then walks the JSON of the
main list and detail endpoints and checks every string that looks like a moment."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.clock import ManualClock
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import GOOD_COUNTERS, GRAVE_ERROR_BODY, SMALL_BUREAU_ORG, embedded_client, eventually
from tests.integration.bill_review.conftest import as_csv, bill

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ADMIN = token("admin")
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")  # anything that starts like a moment
SHANGHAI_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+08:00$")


def _strings(node: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def unconventional(body: Any) -> list[str]:
    """Where `body` holds a moment that is not RFC 3339 at +08:00 (the JSON path and the value)."""
    return [f"{path} = {value!r}" for path, value in _strings(body)
            if MOMENT.match(value) and not SHANGHAI_RFC3339.match(value)]


def test_the_walker_tells_the_conventions_apart() -> None:
    body = {"a": "2026-11-20T10:00:00+08:00", "b": ["2026-11-20T02:00:00Z", "2026-10", "2026-11-20"],
            "c": {"d": "2026-11-20T02:00:00.123+00:00", "e": "2026-11-20T10:00:00.5+08:00"}}
    assert unconventional(body) == ["$.b[0] = '2026-11-20T02:00:00Z'",
                                    "$.c.d = '2026-11-20T02:00:00.123+00:00'"]


@pytest.fixture
async def filled(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The embedded app with one of every resource (score, error, ticket, alert, silence, subscription,
    credit, bill review, user, API key, audit trail), and the ids of the ones with a detail page."""
    async with embedded_client(settings, clock=ManualClock(NOW)) as c:
        async def ok(r: httpx.Response) -> dict[str, Any]:
            assert r.status_code in (200, 201), r.text
            return r.json()

        await ok(await c.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN))
        await ok(await c.put("/api/v1/facts/2026-10/counters", headers=ADMIN, json={
            "batch_id": "t-1", "rows": [{"unit": u, "counters": GOOD_COUNTERS}
                                        for u in ("QY-QC-01", "QY-QC-02", "QY-YD-01")]}))
        await ok(await c.post("/api/v1/periods/2026-10/score", headers=ADMIN))
        ids = {"error": (await ok(await c.post("/api/v1/errors", json=GRAVE_ERROR_BODY, headers=ADMIN)))["id"]}
        ticket = await ok(await c.post("/api/v1/tickets", headers=ADMIN, json={
            "unit": "QY-QC-01", "period": "2026-10", "detail": "电费异常"}))
        ids["ticket"] = ticket["id"]
        await ok(await c.post(f"/api/v1/tickets/{ids['ticket']}/transitions", headers=ADMIN,
                              json={"action": "coordinate", "note": "请核查"}))
        await ok(await c.post("/api/v1/silences", headers=ADMIN, json={
            "matchers": [{"name": "unit", "value": "QY-YD-01"}], "ends_at": "2026-12-01T00:00:00Z"}))
        ids["subscription"] = (await ok(await c.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "值班员", "match": {},
            "channel": {"type": "webhook", "url": "http://127.0.0.1:9/none", "secret": "s" * 32}})))["id"]
        await ok(await c.post("/api/v1/escalation-policies", headers=ADMIN, json={
            "name": "传单超期升级", "types": ["TicketEscalated"], "levels": [
                {"after_working_hours": 4, "subscription_ids": [ids["subscription"]]}]}))
        await ok(await c.post("/api/v1/credit/import/customers", content="customer_no,unit\nC-1,QY-QC-01\n",
                              headers={**ADMIN, "Content-Type": "text/csv"}))
        await ok(await c.post("/api/v1/review/2026-10/bills", headers={**ADMIN, "Content-Type": "text/csv"},
                              content=as_csv([bill("B-1"), bill("B-2", amount="999.00")]).encode()))
        await ok(await c.post("/api/v1/review/2026-10/run", headers=ADMIN))
        suspects = (await ok(await c.get("/api/v1/review/2026-10/suspects", headers=ADMIN)))["items"]
        if suspects:
            ids["suspect"] = str(suspects[0]["id"])
        await ok(await c.post("/api/v1/users", headers=ADMIN, json={
            "name": "zhang.wei", "display_name": "张伟", "password": "长城长城长城-2026", "roles": ["station"],
            "units": ["QY-QC-01"]}))
        await ok(await c.post("/api/v1/api-keys", headers=ADMIN, json={"name": "营销系统", "roles": ["viewer"]}))

        async def alert() -> str | None:
            items = (await c.get("/api/v1/alerts", headers=ADMIN)).json()["items"]
            return next((a["id"] for a in items if a["unit"] != "M2C"), None)
        ids["alert"] = await eventually(alert)
        await ok(await c.post(f"/api/v1/alerts/{ids['alert']}/ack", headers=ADMIN, json={}))
        yield c, ids


LISTS = ["/api/v1/scores?period=2026-10", "/api/v1/scores/QY-QC-01/trend?from=2026-01&to=2026-10",
         "/api/v1/scores/2026-10/QY-QC-01", "/api/v1/periods/2026-10/completeness",
         "/api/v1/periods/2026-10/revisions", "/api/v1/org-units", "/api/v1/schemes",
         "/api/v1/recovery/lights?period=2026-10",
         "/api/v1/errors", "/api/v1/tickets", "/api/v1/tickets/sla-policy", "/api/v1/accountability-policy",
         "/api/v1/calendar/years", "/api/v1/calendar/years/2026",
         "/api/v1/calendar/add-working-days?start=2026-11-20&days=2",
         "/api/v1/alerts", "/api/v1/alerts/summary", "/api/v1/alerts/severity-rules",
         "/api/v1/alerts/inhibition-rules", "/api/v1/escalation-policies", "/api/v1/silences",
         "/api/v1/subscriptions", "/api/v1/credit/risks", "/api/v1/credit/customers/C-1",
         "/api/v1/channels/compliance", "/api/v1/review/tariffs", "/api/v1/review/rules",
         "/api/v1/review/effectiveness?first=2026-10", "/api/v1/review/2026-10/suspects",
         "/api/v1/review/2026-10/readiness",
         "/api/v1/users", "/api/v1/api-keys", "/api/v1/audit-trail", "/api/v1/auth/me"]
DETAILS = ["/api/v1/errors/{error}", "/api/v1/tickets/{ticket}", "/api/v1/alerts/{alert}",
           "/api/v1/subscriptions/{subscription}", "/api/v1/subscriptions/{subscription}/deliveries",
           "/api/v1/subscriptions/{subscription}/groups", "/api/v1/review/suspects/{suspect}"]


async def test_every_timestamp_the_api_returns_is_rfc3339_at_shanghai_offset(
        filled: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, ids = filled
    paths = LISTS + [p.format(**ids) for p in DETAILS if all(ids.get(k) for k in re.findall(r"\{(\w+)\}", p))]
    wrong: list[str] = []
    moments = 0
    for path in paths:
        r = await client.get(path, headers=ADMIN)
        if r.status_code != 200:
            wrong.append(f"{path}: {r.status_code} {r.text[:300]}")
            continue
        moments += sum(1 for _, v in _strings(r.json()) if MOMENT.match(v))
        wrong += [f"{path}: {w}" for w in unconventional(r.json())]
    # What a write answers counts too (the ticket's transition, the alert's ack were checked above).
    r = await client.post(f"/api/v1/tickets/{ids['ticket']}/transitions", headers=ADMIN,
                          json={"action": "receive"})
    wrong += [f"POST transition: {w}" for w in unconventional(r.json())]
    assert moments >= 40, moments  # the walk did see the resources' times
    assert not wrong, "\n".join(wrong)
