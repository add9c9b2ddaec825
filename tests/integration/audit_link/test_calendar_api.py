"""The working-day calendar over HTTP: seeded official data, a year without data, loading a year."""

from __future__ import annotations

import httpx
import pytest

from shared.testing.plugin import token

VIEWER = token("viewer")
ADMIN = token("admin")


@pytest.mark.parametrize(("start", "days", "due"), [
    ("2026-02-13", 1, "2026-02-14"),  # Spring Festival 2026: make-up Saturday
    ("2026-02-14", 1, "2026-02-24"),
    ("2025-09-30", 1, "2025-10-09"),  # National Day 2025
    ("2025-09-30", 3, "2025-10-11"),  # make-up Saturday
    ("2026-09-30", 1, "2026-10-08"),  # National Day 2026
])
async def test_add_working_days_around_the_long_holidays(
    embedded: httpx.AsyncClient, start: str, days: int, due: str,
) -> None:
    r = await embedded.get(f"/api/v1/calendar/add-working-days?start={start}&days={days}", headers=VIEWER)
    assert r.status_code == 200, r.text
    assert r.json() == {"start": start, "days": days, "due": due}


async def test_year_without_data_is_422_saying_so(embedded: httpx.AsyncClient) -> None:
    r = await embedded.get("/api/v1/calendar/add-working-days?start=2027-03-01&days=1", headers=VIEWER)
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "2027" in body["detail"] and "calendar" in body["detail"]
    assert body["errors"][0]["field"] == "query.start"
    # A covered start whose count runs into an uncovered year is refused too, not guessed.
    r = await embedded.get("/api/v1/calendar/add-working-days?start=2026-12-30&days=5", headers=VIEWER)
    assert r.status_code == 422 and "2027" in r.json()["detail"]


async def test_bad_query_is_422_naming_the_field(embedded: httpx.AsyncClient) -> None:
    r = await embedded.get("/api/v1/calendar/add-working-days?start=2026-02-30&days=-1", headers=VIEWER)
    assert r.status_code == 422
    assert {"query.start", "query.days"} <= {e["field"] for e in r.json()["errors"]}


async def test_seeded_years_and_days(embedded: httpx.AsyncClient) -> None:
    years = (await embedded.get("/api/v1/calendar/years", headers=VIEWER)).json()
    assert {2025, 2026} <= {y["year"] for y in years}
    y2026 = (await embedded.get("/api/v1/calendar/years/2026", headers=VIEWER)).json()
    assert {"date": "2026-02-14", "name": "Spring Festival"} in y2026["workdays"]
    assert "2026-10-01" in {d["date"] for d in y2026["holidays"]}
    assert (await embedded.get("/api/v1/calendar/years/2031", headers=VIEWER)).status_code == 404


SCHEDULE_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知 (test data)",
    "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-02-05", "name": "春节"},
                 {"date": "2027-02-08"}, {"date": "2027-02-09"}],
    "workdays": [{"date": "2027-02-06", "name": "春节调休"}],
}


async def test_admin_loads_a_year_and_it_counts_at_once(embedded: httpx.AsyncClient) -> None:
    r = await embedded.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["source"].startswith("国务院") and len(r.json()["holidays"]) == 4
    # Thu 4 Feb 2027 + 1 → Sat 6 Feb (make-up); + 2 → Wed 10 Feb (5, 8, 9 off)
    due = await embedded.get("/api/v1/calendar/add-working-days?start=2027-02-04&days=2", headers=VIEWER)
    assert due.json()["due"] == "2027-02-10"
    due = await embedded.get("/api/v1/calendar/add-working-days?start=2026-12-30&days=5", headers=VIEWER)
    assert due.status_code == 200 and due.json()["due"] == "2027-01-07"
    # Loading again replaces the year.
    r = await embedded.put("/api/v1/calendar/years/2027", json={"holidays": []}, headers=ADMIN)
    assert r.json()["holidays"] == [] and r.json()["workdays"] == []


async def test_loading_a_year_needs_admin_and_valid_days(embedded: httpx.AsyncClient) -> None:
    assert (await embedded.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027,
                               headers=token("customer_service"))).status_code == 403
    bad = {"holidays": [{"date": "2028-01-01"}], "workdays": [{"date": "2027-02-03"}]}
    r = await embedded.put("/api/v1/calendar/years/2027", json=bad, headers=ADMIN)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.holidays.0.date", "body.workdays.0.date"}
    assert (await embedded.get("/api/v1/calendar/years/2027", headers=VIEWER)).status_code == 404
