"""Facts that are right once (issue 10 §4): unknown units and future periods are refused on every
audit write, and an error says how many bills it touched."""

from __future__ import annotations

import httpx
import pytest

from shared.events.intake import ReportError
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, eventually
from tests.integration.audit_link.conftest import outbox_events, scalar
from tests.integration.audit_link.test_autoraise import emit, processed

ADMIN = token("admin")
CS = token("customer_service")
TICKET = {"unit": "QY-QC-01", "period": "2026-09", "reason": "manual", "detail": "抄表完成率连续偏低"}


@pytest.mark.parametrize(("changes", "fields"), [
    ({"unit": "QY-ZZ-99"}, ["body.unit"]),
    ({"period": "2026-11"}, ["body.period"]),  # the clock is in October 2026
    ({"unit": "QY-ZZ-99", "period": "2031-01"}, ["body.unit", "body.period"]),
])
async def test_error_for_unknown_unit_or_future_period_is_422(embedded: httpx.AsyncClient, changes: dict,
                                                              fields: list[str]) -> None:
    r = await embedded.post("/api/v1/errors", json={**ERROR_BODY, **changes}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == fields
    assert await scalar(embedded, "SELECT count(*) FROM audit_errors") == 0
    assert await outbox_events(embedded, "ErrorReported") == []


async def test_current_month_is_accepted(embedded: httpx.AsyncClient) -> None:
    r = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "period": "2026-10"}, headers=ADMIN)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("changes", "fields"), [
    ({"unit": "QY-ZZ-99"}, ["body.unit"]),
    ({"period": "2026-12"}, ["body.period"]),
])
async def test_ticket_for_unknown_unit_or_future_period_is_422(embedded: httpx.AsyncClient, changes: dict,
                                                               fields: list[str]) -> None:
    r = await embedded.post("/api/v1/tickets", json={**TICKET, **changes}, headers=CS)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == fields
    assert await scalar(embedded, "SELECT count(*) FROM audit_tickets") == 0
    assert await outbox_events(embedded, "TicketRaised") == []


async def test_bills_affected_is_stored_read_back_and_announced(embedded: httpx.AsyncClient) -> None:
    many = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "bills_affected": 137}, headers=ADMIN)
    assert many.status_code == 201 and many.json()["bills_affected"] == 137
    one = await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)
    assert one.json()["bills_affected"] == 1  # the default
    got = await embedded.get(f"/api/v1/errors/{many.json()['id']}", headers=ADMIN)
    assert got.json()["bills_affected"] == 137
    assert await scalar(embedded, "SELECT sum(bills_affected) FROM audit_errors") == 138
    events = await outbox_events(embedded, "ErrorReported")
    assert [e["bills_affected"] for e in events] == [137, 1]
    for bad in (0, -3, 1_000_001, "many"):
        r = await embedded.post("/api/v1/errors", json={**ERROR_BODY, "bills_affected": bad}, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.bills_affected", bad
    assert await scalar(embedded, "SELECT count(*) FROM audit_errors") == 2


async def test_intake_report_error_for_unknown_unit_is_refused_for_good(embedded: httpx.AsyncClient) -> None:
    """Not retried, not dead-lettered as a crash: kept with its problems, nothing else written."""
    bad = ReportError(unit="QY-ZZ-99", period="2030-01", category="tariff", nature="clerical", amount="12",
                      description="营销系统推送", reporter="marketing-system")
    good = bad.model_copy(update={"unit": "QY-QC-01", "period": "2026-09"})
    await emit(embedded, bad, "QY-ZZ-99")
    await emit(embedded, good, "QY-QC-01")
    await eventually(lambda: processed(embedded, 2))
    assert await scalar(embedded, "SELECT count(*) FROM audit_errors") == 1
    assert [e["unit"] for e in await outbox_events(embedded, "ErrorReported")] == ["QY-QC-01"]
    problems = await scalar(embedded, "SELECT problems FROM audit_rejected_commands")
    assert [p["field"] for p in problems] == ["data.unit", "data.period"]
    assert await scalar(embedded, "SELECT count(*) FROM m2c_outbox WHERE topic LIKE '%dlq%'") == 0
