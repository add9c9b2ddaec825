"""Auto-raise in the embedded app: ScoresPublished and intake anomalies/errors carried in-process."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from shared.events.intake import RectifyAnomaly, ReportAnomaly, ReportError
from shared.events.scoring import PublishedUnitScore, ScoresPublished
from shared.testing.plugin import token
from tests.helpers import eventually, runtime_of
from tests.integration.audit_link.conftest import outbox_events, scalar

CS = token("customer_service")


def scores(period: str, revision: int, units: list[tuple[str, str, float | None, list[str]]]) -> ScoresPublished:
    return ScoresPublished(
        period=period, revision=revision, scheme="2026-v1", ticket_threshold=80.0,
        published_at=datetime.now(UTC),
        units=[PublishedUnitScore(unit=u, level=lvl, score=s, red_indicators=reds) for u, lvl, s, reds in units],
    )


async def emit(client: httpx.AsyncClient, payload, subject: str) -> None:
    runtime = runtime_of(client)
    async with runtime.uow() as uow:
        uow.emit(payload, subject=subject)
        await uow.commit()


async def processed(client: httpx.AsyncClient, count: int) -> bool:
    n = await scalar(client, "SELECT count(*) FROM m2c_inbox WHERE consumer = 'm2c-audit-link'")
    return n >= count


async def tickets(client: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    items = (await client.get("/api/v1/tickets?limit=500", headers=CS)).json()["items"]
    return sorted((t["unit"], t["reason"], t["period"]) for t in items)


async def test_low_score_and_repeated_red_raise_tickets_once(embedded: httpx.AsyncClient) -> None:
    await emit(embedded, scores("2026-09", 1, [
        ("QY-QC-01", "station", 75.0, []),
        ("QY-QC-02", "station", 91.0, ["bill_error_rate"]),
        ("QY-QC-03", "station", 95.0, ["one_stop_rate"]),
        ("QY-QC", "county", 60.0, ["bill_error_rate"]),  # counties get no ticket
    ]), "2026-09")
    await eventually(lambda: processed(embedded, 1))
    assert await tickets(embedded) == [("QY-QC-01", "low_score", "2026-09")]

    october = scores("2026-10", 1, [
        ("QY-QC-01", "station", 85.0, []),
        ("QY-QC-02", "station", 90.0, ["bill_error_rate", "reading_completion_rate"]),  # red again
        ("QY-QC-03", "station", 95.0, ["bill_error_rate"]),  # red, but on another indicator
    ])
    await emit(embedded, october, "2026-10")
    await emit(embedded, october.model_copy(update={"revision": 2}), "2026-10")  # a re-score: same facts
    await eventually(lambda: processed(embedded, 3))
    assert await tickets(embedded) == [("QY-QC-01", "low_score", "2026-09"),
                                       ("QY-QC-02", "repeated_red_indicator", "2026-10")]
    raised = await outbox_events(embedded, "TicketRaised")
    assert len(raised) == 2 and raised[1]["detail"].endswith("bill_error_rate")
    assert raised[1]["raised_by"] == "m2c/audit-link"


async def test_overdue_unrectified_anomalies_raise_a_ticket(embedded: httpx.AsyncClient) -> None:
    for anomaly_id, unit, due in (("A-1", "QY-YD-01", date(2026, 1, 10)), ("A-2", "QY-YD-02", date(2026, 1, 10)),
                                  ("A-3", "QY-YD-03", date(2099, 1, 10))):
        await emit(embedded, ReportAnomaly(anomaly_id=anomaly_id, unit=unit, period="2026-01", kind="零电量",
                                           detected_on=date(2026, 1, 3), due_on=due), unit)
    await emit(embedded, RectifyAnomaly(anomaly_id="A-2", rectified_on=date(2026, 1, 8)), "QY-YD-02")
    await eventually(lambda: processed(embedded, 4))  # topics are not ordered among themselves
    await emit(embedded, scores("2026-02", 1, [("QY-YD-01", "station", 99.0, [])]), "2026-02")
    await eventually(lambda: processed(embedded, 5))
    assert await tickets(embedded) == [("QY-YD-01", "unrectified_anomalies", "2026-02")]
    assert await scalar(embedded, "SELECT count(*) FROM audit_anomalies WHERE rectified_on IS NOT NULL") == 1


async def test_report_error_from_intake_is_graded_and_announced(embedded: httpx.AsyncClient) -> None:
    await emit(embedded, ReportError(unit="QY-QC-01", period="2026-10", category="collection", nature="fraud",
                                     amount="500", description="收费员截留电费", reporter="marketing-system",
                                     evidence="收据 #17"), "QY-QC-01")
    await eventually(lambda: processed(embedded, 1))
    items = (await embedded.get("/api/v1/errors?unit=QY-QC", headers=CS)).json()["items"]
    [e] = items
    assert (e["reporter"], e["level"], e["points"], e["evidence"]) == ("marketing-system", "assessment", 6, "收据 #17")
    [reported] = await outbox_events(embedded, "ErrorReported")
    assert (reported["level"], reported["points"]) == ("assessment", 6)
