"""A small bureau seeded through the public APIs: org tree, two scored months, recovery facts, tickets,
payment channels. Periods are relative to today (Shanghai) so the dashboard finds them as recent months."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from shared.auth import create_token
from shared.testing.plugin import JWT_SECRET
from tests.helpers import GOOD_COUNTERS as GOOD
from tests.helpers import PERFECT_COUNTERS as PERFECT
from tests.helpers import SMALL_BUREAU_ORG as ORG
from tests.helpers import eventually


def raw_token(*roles: str, units: tuple[str, ...] = (), subject: str = "tester") -> str:
    return create_token(JWT_SECRET, roles, units=units, subject=subject)


def headers(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


ADMIN = headers(raw_token("admin", subject="admin-1"))


def months() -> tuple[str, str]:
    """(previous month, the month before it) in Asia/Shanghai."""
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    n = today.year * 12 + today.month - 1 - 1
    m = n - 1
    return f"{n // 12}-{n % 12 + 1:02d}", f"{m // 12}-{m % 12 + 1:02d}"


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


async def bureau(api: httpx.AsyncClient) -> str:
    """Seed everything; returns the month the overview shows."""
    period, before = months()
    await _ok(await api.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN))
    for p, rows in {
        before: [{"unit": "QY-QC-01", "counters": PERFECT}, {"unit": "QY-QC-02", "counters": GOOD},
                 {"unit": "QY-YD-01", "counters": GOOD}],
        period: [{"unit": "QY-QC-01", "counters": GOOD},
                 {"unit": "QY-QC-02", "counters": {**GOOD, "bills_erroneous": 1}},
                 {"unit": "QY-YD-01", "counters": PERFECT}],
    }.items():
        await _ok(await api.put(f"/api/v1/facts/{p}/counters", json={"batch_id": f"b-{p}", "rows": rows},
                                headers=ADMIN))
    year = int(period[:4])
    await _ok(await api.put(f"/api/v1/recovery/tasks/{year}", json={"rows": [
        {"unit": "QY-QC-01", "arrears_carried_over": "2000000", "annual_target": "1200000"}]}, headers=ADMIN))
    await _ok(await api.put(f"/api/v1/recovery/{period}/facts", json={"rows": [
        {"unit": "QY-QC-01", "receivable": "1250000", "collected": "1248750", "arrears_recovered": "10000"},
        {"unit": "QY-QC-02", "receivable": "800000", "collected": "800000"},
        {"unit": "QY-YD-01", "receivable": "500000", "collected": "497650"}]}, headers=ADMIN))
    for p in (before, period):
        await _ok(await api.post(f"/api/v1/periods/{p}/score", headers=ADMIN))
    await _ok(await api.post("/api/v1/tickets", json={
        "unit": "QY-YD-01", "period": period, "reason": "manual", "detail": "抄表数据异常，请核查"},
        headers=headers(raw_token("customer_service", subject="cs-1"))))
    await _ok(await api.put("/api/v1/channels/QY-QC-01", json={
        "area_type": "rural", "channel_types": ["counter", "bank_debit", "online"]}, headers=ADMIN))
    await _ok(await api.put("/api/v1/channels/QY-YD-01", json={
        "area_type": "urban", "channel_types": ["counter", "online"]}, headers=ADMIN))

    seen: list[tuple] = []

    async def settled() -> bool:
        """The events of the seeding have been consumed: alerts and tickets stop changing."""
        alerts = (await _ok(await api.get("/api/v1/alerts", headers=ADMIN)))["items"]
        tickets = (await _ok(await api.get("/api/v1/tickets", headers=ADMIN)))["items"]
        seen.append((sorted((a["id"], a["state"], a["count"]) for a in alerts), len(tickets)))
        enough = len(alerts) >= 2 and any(t["reason"] == "low_score" for t in tickets)
        return enough and len(seen) >= 4 and seen[-1] == seen[-2] == seen[-3] == seen[-4]

    await eventually(settled, pause_s=0.25)
    return period


PASSWORD = "Qy-2026-pass!"


async def account(api: httpx.AsyncClient, name: str, *roles: str, units: tuple[str, ...] = (),
                  display_name: str = "") -> dict:
    """An account created through the identity API (as an admin would), with PASSWORD."""
    return await _ok(await api.post("/api/v1/users", headers=ADMIN, json={
        "name": name, "display_name": display_name or name, "password": PASSWORD, "roles": list(roles),
        "units": list(units)}))


# Bill review (issue 15): a month's bills of the three stations, imported and screened through the API.
# R1 is the seeded resident tariff (0.5883 yuan/kWh); every bill agrees with it unless said otherwise.
BILL_COLUMNS = ("unit", "bill_id", "customer_no", "category", "tariff_code", "multiplier", "prev_reading",
                "curr_reading", "kwh", "amount", "last_month_kwh")
BILLS = [
    ("QY-QC-01", "B-0101", "0301000101", "resident", "R1", 1, 1000, 1100, 100, "58.83", ""),  # clean
    ("QY-QC-01", "B-0102", "0301000102", "resident", "R1", 1, 2000, 1900, 100, "58.83", ""),  # reading reversed
    ("QY-QC-01", "B-0103", "0301000103", "resident", "R1", 1, 3000, 3100, 100, "99.00", ""),  # amount mismatch
    ("QY-QC-02", "B-0201", "0302000201", "resident", "R1", 1, 500, 500, 0, "0.00", "120"),  # zero kWh
    ("QY-QC-02", "B-0202", "0302000202", "resident", "R1", 1, 800, 900, 100, "58.83", "90"),  # clean
    ("QY-YD-01", "B-0301", "0303000301", "resident", "R1", 1, 100, 300, 200, "117.66", "180"),  # clean
]


async def reviewed_bills(api: httpx.AsyncClient, period: str) -> dict:
    """Import BILLS for `period` (CSV) and run the review; the run's answer."""
    lines = [",".join(BILL_COLUMNS)] + [",".join(str(v) for v in row) for row in BILLS]
    await _ok(await api.post(f"/api/v1/review/{period}/bills", content=("\n".join(lines) + "\n").encode(),
                             headers={**ADMIN, "Content-Type": "text/csv"}))
    return await _ok(await api.post(f"/api/v1/review/{period}/run", headers=ADMIN))
