"""The same seed gives the same bureau: scores, lights and credit grades are identical."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.testing.plugin import token
from tests.integration.demo.conftest import loaded

ADMIN = token("admin")
TINY = {"seed": 11, "customers": 200, "size": 0.1, "today": date(2026, 11, 20), "raw_months": 1}


async def _snapshot(client, periods: list[str]) -> dict:
    out: dict[str, Any] = {}
    for period in periods:
        scores = (await client.get("/api/v1/scores", headers=ADMIN, params={"period": period})).json()
        out[f"scores {period}"] = sorted((i["unit"], i["score"], i["rank"]) for i in scores["items"])
    lights = (await client.get("/api/v1/recovery/lights", headers=ADMIN, params={"period": periods[-1]})).json()
    out["lights"] = sorted((i["unit"], i["light"]) for i in lights["items"])
    for no in ("0300000001", "0300000050", "0300000150"):
        c = (await client.get(f"/api/v1/credit/customers/{no}", headers=ADMIN)).json()
        out[no] = (c["unit"], c["grade"], c["score"])
    return out


async def test_the_same_seed_loads_the_same_data(settings, second_settings) -> None:
    async with loaded(settings, **TINY) as (client, summary):
        first = await _snapshot(client, summary.periods)
    async with loaded(second_settings, **TINY) as (client, summary):
        second = await _snapshot(client, summary.periods)
    assert first == second
    assert len(first["scores 2026-10"]) == summary.stations + summary.counties + 1  # and the city (issue 10)
