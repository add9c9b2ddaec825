"""Migration 0016 with data, both ways: a stored default scheme from before gains the review indicator
with re-balanced weights (equal to the live default), and loses them again."""

from __future__ import annotations

import asyncio
import copy
import json

from services.scoring.domain.default_scheme import DEFAULT_SCHEME
from shared.migration_state import downgrade, upgrade
from tests.integration.platform.test_migrations import _sql

FORMER = {"bill_error_rate": 0.5, "overdue_anomalies": 0.25, "receivable_rollbacks": 0.25}


def _former_default() -> dict:
    """The default scheme as 0008 left it: three review indicators weighted 0.5/0.25/0.25."""
    doc = copy.deepcopy(DEFAULT_SCHEME)
    review = next(s for s in doc["stages"] if s["code"] == "review")
    review["indicators"] = [{**i, "weight": FORMER[i["code"]]} for i in review["indicators"] if i["code"] in FORMER]
    return doc


async def _stored(url: str) -> dict:
    [(definition,)] = await _sql(url, "SELECT definition::text FROM scoring_schemes WHERE code = 'default'")
    return json.loads(definition)


async def test_0016_adds_the_review_indicator_to_the_stored_default_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0015")
    former = json.dumps(_former_default(), ensure_ascii=False).replace("'", "''")
    await _sql(url, f"UPDATE scoring_schemes SET definition = '{former}'::jsonb WHERE code = 'default'")

    await asyncio.to_thread(upgrade, url, "0016")
    assert await _stored(url) == DEFAULT_SCHEME  # the frozen change gives the live default
    assert await _sql(url, "SELECT count(*) FROM review_errors") == [(0,)]

    await asyncio.to_thread(downgrade, url, "0015")
    assert await _stored(url) == _former_default()
    assert await _sql(url, "SELECT to_regclass('review_errors') IS NULL") == [(True,)]
