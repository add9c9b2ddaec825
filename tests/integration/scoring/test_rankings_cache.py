"""The ranking of a published revision is built once per process and served again — with an ETag
(If-None-Match → 304), one body per caller's subtree, and a new revision read at once."""

from __future__ import annotations

import asyncio

import httpx

from shared.http.read_cache import BodyCache, statement_connection
from shared.testing.plugin import token
from tests.integration.scoring.conftest import ADMIN
from tests.integration.scoring.test_scores import GOOD, PERFECT, _put

COUNTY_QC = token("viewer", units=("QY-QC",))
RANKINGS = "/api/v1/scores?period=2026-10"


def _cache(client: httpx.AsyncClient) -> BodyCache:
    return client.app.state.body_cache  # type: ignore[attr-defined]


async def _scored(client: httpx.AsyncClient) -> None:
    await _put(client, "b-1", [{"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-QC-02", "counters": GOOD},
                               {"unit": "QY-YD-01", "counters": PERFECT}])
    assert (await client.post("/api/v1/periods/2026-10/score", headers=ADMIN)).status_code == 201


async def test_a_ranking_is_served_again_with_its_etag_and_304(org: httpx.AsyncClient) -> None:
    await _scored(org)
    first = await org.get(RANKINGS, headers=ADMIN)
    assert first.status_code == 200 and first.json()["revision"] == 1
    etag = first.headers["etag"]
    hits = _cache(org).hits
    again = await org.get(RANKINGS, headers=ADMIN)
    assert again.content == first.content and again.headers["etag"] == etag and _cache(org).hits == hits + 1
    unchanged = await org.get(RANKINGS, headers={**ADMIN, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    assert (await org.get(RANKINGS, headers={**ADMIN, "If-None-Match": '"other"'})).status_code == 200

    # A new revision is read at once: the statement that names the body sees it.
    await _put(org, "b-2", [{"unit": "QY-QC-01", "counters": PERFECT}])
    assert (await org.post("/api/v1/periods/2026-10/score", headers=ADMIN)).status_code == 201
    newer = await org.get(RANKINGS, headers={**ADMIN, "If-None-Match": etag})
    assert newer.status_code == 200 and newer.json()["revision"] == 2 and newer.headers["etag"] != etag
    assert (await org.get(RANKINGS + "&revision=1", headers=ADMIN)).content == first.content
    assert (await org.get(RANKINGS + "&revision=3", headers=ADMIN)).status_code == 404


async def test_each_subtree_has_a_ranking_of_its_own(org: httpx.AsyncClient) -> None:
    await _scored(org)
    everyone = (await org.get(RANKINGS, headers=ADMIN)).json()  # cached first, for the whole bureau
    assert {i["unit"] for i in everyone["items"]} == {"QY", "QY-QC", "QY-YD", "QY-QC-01", "QY-QC-02", "QY-YD-01"}
    for _ in range(2):  # built, then served from the cache: the subtree rule holds either way
        county = await org.get(RANKINGS, headers=COUNTY_QC)
        assert county.status_code == 200
        assert {i["unit"] for i in county.json()["items"]} == {"QY-QC", "QY-QC-01", "QY-QC-02"}
    assert (await org.get(RANKINGS, headers=ADMIN)).json() == everyone


async def test_statements_that_name_bodies_take_at_most_half_the_pool(org: httpx.AsyncClient) -> None:
    """A burst of reads waits for a pooled connection rather than opening overflow connections."""
    engine = org.app.state.runtime.engine  # type: ignore[attr-defined]
    pool = engine.sync_engine.pool
    inside = most = 0

    async def read() -> None:
        nonlocal inside, most
        async with statement_connection(engine) as connection:
            inside += 1
            most = max(most, inside)
            await connection.fetchval("SELECT pg_sleep(0.02)")
            inside -= 1

    await asyncio.gather(*(read() for _ in range(3 * pool.size())))
    assert most == pool.size() // 2 and pool.overflow() <= 0
