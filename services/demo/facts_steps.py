"""Loader steps for scoring: the org tree, monthly counters and raw files, recovery, scoring."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence

from services.demo import raw_records
from services.demo.api import Api, DemoLoadError
from services.demo.org import OrgTree


async def org_units(api: Api, tree: OrgTree) -> None:
    await api.call("POST", "/api/v1/org-units", json={"units": tree.units()})


async def counters(api: Api, period: str, values: Mapping[str, Mapping[str, int]], *, raw: bool, seed: int,
                   rng: random.Random) -> None:
    """A month's facts: raw files for the counters they produce (the rest reported), or all reported."""
    if raw:
        stations = sorted(values.items())
        for kind in raw_records.KINDS:
            await api.upload(f"/api/v1/facts/{period}/records/{kind}",
                             raw_records.csv_file(kind, period, stations, rng))
        rows = [{"unit": u, "counters": {k: v for k, v in c.items() if k not in raw_records.RAW_COUNTERS}}
                for u, c in stations]
    else:
        rows = [{"unit": u, "counters": dict(c)} for u, c in sorted(values.items())]
    await api.call("PUT", f"/api/v1/facts/{period}/counters", role="system",
                   json={"batch_id": f"demo-{seed}-{period}", "rows": rows})


async def counters_so_far(api: Api, period: str, values: Mapping[str, Mapping[str, int]], *, seed: int) -> None:
    """The month under way: only the stations that have sent something, with what they sent."""
    rows = [{"unit": u, "counters": dict(c)} for u, c in sorted(values.items())]
    await api.call("PUT", f"/api/v1/facts/{period}/counters", role="system",
                   json={"batch_id": f"demo-{seed}-{period}-so-far", "rows": rows})


async def wait_for_error_counts(api: Api, period: str, expected: int, timeout_s: float = 60.0) -> None:
    """ErrorReported events add their bills_affected to bills_erroneous asynchronously: score only
    once they are in."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = await api.call("GET", f"/api/v1/facts/{period}/counters")
        got = sum(i["counters"].get("bills_erroneous", 0) for i in body["items"])
        if got >= expected:
            return
        if loop.time() > deadline:
            raise DemoLoadError(f"{period}: bills_erroneous {got}, expected {expected} after {timeout_s}s")
        await asyncio.sleep(0.1)


async def recovery_tasks(api: Api, tasks: Mapping[int, Sequence[dict]]) -> None:
    for year, rows in sorted(tasks.items()):
        await api.call("PUT", f"/api/v1/recovery/tasks/{year}", role="system", json={"rows": list(rows)})


async def recovery_facts(api: Api, period: str, rows: Sequence[dict]) -> None:
    await api.call("PUT", f"/api/v1/recovery/{period}/facts", role="system", json={"rows": list(rows)})


async def score(api: Api, period: str) -> dict:
    return await api.call("POST", f"/api/v1/periods/{period}/score", role="system")


async def low_scores(api: Api, period: str, revision: int) -> set[str]:
    """Stations under the ticket threshold in a revision of the period (each raises a ticket)."""
    body = await api.call("GET", "/api/v1/scores", params={"period": period, "level": "station",
                                                          "revision": revision})
    return {i["unit"] for i in body["items"] if i["score"] is not None and i["score"] < 80}
