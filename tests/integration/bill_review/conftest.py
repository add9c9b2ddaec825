"""bill_review integration fixtures: the embedded app with a small org tree, and bill-file builders."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.testing.plugin import token
from tests.helpers import SMALL_BUREAU_ORG, runtime_of

ADMIN = token("admin")
PERIOD = "2026-10"
PREVIOUS = "2026-09"
R1_PRICE = Decimal("0.5883")  # the seeded resident tariff
HEADER = ("unit", "bill_id", "customer_no", "category", "tariff_code", "multiplier", "prev_reading", "curr_reading",
          "kwh", "amount", "kwh_peak", "kwh_flat", "kwh_valley", "meter_changed", "last_month_kwh")


@pytest.fixture
async def org(embedded: httpx.AsyncClient) -> httpx.AsyncClient:
    r = await embedded.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return embedded


def bill(bill_id: str, kwh: str | Decimal = "100", *, unit: str = "QY-QC-01", customer_no: str | None = None,
         price: Decimal = R1_PRICE, **overrides: Any) -> dict[str, Any]:
    """A bill no rule flags (readings, kWh and amount agree; no history), with `overrides` applied."""
    kwh = Decimal(kwh)
    amount = (kwh * price).quantize(Decimal("0.01"), ROUND_HALF_UP)
    row: dict[str, Any]  # an override may blank a field (None) or set a flag (bool)
    row = {"unit": unit, "bill_id": bill_id, "customer_no": customer_no or f"C-{bill_id}", "category": "resident",
           "tariff_code": "R1", "multiplier": "1", "prev_reading": "1000", "curr_reading": str(1000 + kwh),
           "kwh": str(kwh), "amount": str(amount)}
    row.update({k: (str(v) if v is not None and not isinstance(v, bool) else v) for k, v in overrides.items()})
    return row


def as_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else str(r[c]).lower() if isinstance(r.get(c), bool) else r[c]
                         for c in columns])
    return out.getvalue()


def as_ndjson(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


async def post_bills(client: httpx.AsyncClient, rows_or_text: list[dict[str, Any]] | str, *, period: str = PERIOD,
                     headers: dict[str, str] = ADMIN, ndjson: bool = False) -> httpx.Response:
    body = rows_or_text if isinstance(rows_or_text, str) else (as_ndjson if ndjson else as_csv)(rows_or_text)
    ctype = "application/x-ndjson" if ndjson else "text/csv"
    return await client.post(f"/api/v1/review/{period}/bills", content=body.encode(),
                             headers={**headers, "Content-Type": ctype})


async def run(client: httpx.AsyncClient, period: str = PERIOD, headers: dict[str, str] = ADMIN,
              **extra_headers: str) -> httpx.Response:
    return await client.post(f"/api/v1/review/{period}/run", headers={**headers, **extra_headers})


async def suspects(client: httpx.AsyncClient, period: str = PERIOD, headers: dict[str, str] = ADMIN,
                   **params: str) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/review/{period}/suspects", params={"limit": 1000, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def rows(client: httpx.AsyncClient, sql: str, **params: Any) -> list[tuple]:
    async with runtime_of(client).session_factory() as s:
        return [tuple(r) for r in await s.execute(text(sql), params)]


async def outbox(client: httpx.AsyncClient, event_type: str) -> list[dict[str, Any]]:
    found = await rows(client, "SELECT payload FROM m2c_outbox WHERE event_type = :t ORDER BY id", t=event_type)
    return [r[0] for r in found]
