"""In the embedded mode an error posted to audit_link counts into scoring's bills_erroneous."""

from __future__ import annotations

import httpx

from tests.helpers import ERROR_BODY, eventually
from tests.integration.scoring.conftest import ADMIN


async def test_error_reported_counts_into_its_unit_and_period(org: httpx.AsyncClient) -> None:
    embedded = org  # the unit must exist (issue 10: facts for unknown units are refused)
    async def erroneous() -> dict | None:
        items = (await embedded.get("/api/v1/facts/2026-10/counters", headers=ADMIN)).json()["items"]
        return next((i["counters"] for i in items if i["unit"] == "QY-QC-01"), None)

    for _ in range(2):
        assert (await embedded.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)).status_code == 201
    assert await eventually(lambda: _when(erroneous, 2)) == {"bills_erroneous": 2}


async def _when(probe, n: int):
    value = await probe()
    return value if value and value.get("bills_erroneous") == n else None
