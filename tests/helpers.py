"""Small test helpers shared by several test modules."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from services.embedded_client import EmbeddedClient, embedded_client
from shared.messaging.message import InboundMessage
from shared.runtime import Runtime

__all__ = ["EmbeddedClient", "embedded_client"]  # the product's embedded client (services/embedded_client.py)
T = TypeVar("T")


ERROR_BODY = {
    "unit": "QY-QC-01", "period": "2026-10", "category": "tariff", "nature": "clerical",
    "amount": "-1234.50", "description": "电价套用错误 tariff applied wrongly", "customer_no": "0301000123",
}


def app_of(client: httpx.AsyncClient) -> FastAPI:
    """The app behind a client the embedded fixtures handed out (typed as a plain httpx client)."""
    assert isinstance(client, EmbeddedClient), f"not an embedded client: {client!r}"
    return client.app


def runtime_of(client: httpx.AsyncClient) -> Runtime:
    """The runtime (engine, sessions, transport, clock) of the app behind an embedded client."""
    runtime: Runtime = app_of(client).state.runtime
    return runtime


def present(value: T | None) -> T:
    """The value, failing the test where it is None (an optional result the test expects to be there)."""
    assert value is not None
    return value


def found(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """`re.search` that fails the test, naming the pattern, when nothing matches."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"no match for {pattern!r}"
    return match


def json_of(message: InboundMessage) -> Any:
    """The JSON a message on a topic carries (the tests put no tombstones on a topic)."""
    assert message.value is not None, f"a tombstone: {message!r}"
    return json.loads(message.value)


async def seed_org_units(database_url: str, units: list[dict[str, str]]) -> None:
    """Reference data for apps that run without the scoring service (whose API owns org units):
    writes of errors, tickets and facts are refused for units that do not exist."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.executemany(
            "INSERT INTO scoring_org_units (code, name, level, parent, area_type, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (code) DO NOTHING",
            [(u["code"], u["name"], u["level"], u.get("parent"), u.get("area_type", "urban")) for u in units])
    finally:
        await conn.close()


def org_of(*stations: str) -> list[dict[str, str]]:
    """A city, its counties and the given stations (codes CITY-COUNTY-NN)."""
    counties = sorted({s.rsplit("-", 1)[0] for s in stations})
    city = counties[0].split("-")[0]
    return ([{"code": city, "name": city, "level": "city"}]
            + [{"code": c, "name": c, "level": "county", "parent": city} for c in counties]
            + [{"code": s, "name": s, "level": "station", "parent": s.rsplit("-", 1)[0]} for s in stations])


# A small bureau: a city, two counties, three stations (one rural), and two months' worth of counters.
SMALL_BUREAU_ORG = [
    {"code": "QY", "name": "清远供电局", "level": "city"},
    {"code": "QY-QC", "name": "清城区供电局", "level": "county", "parent": "QY"},
    {"code": "QY-YD", "name": "英德市供电局", "level": "county", "parent": "QY"},
    {"code": "QY-QC-01", "name": "石角供电所", "level": "station", "parent": "QY-QC", "area_type": "rural"},
    {"code": "QY-QC-02", "name": "龙塘供电所", "level": "station", "parent": "QY-QC", "area_type": "urban"},
    {"code": "QY-YD-01", "name": "英城供电所", "level": "station", "parent": "QY-YD", "area_type": "urban"},
]
GOOD_COUNTERS = {
    "readings_planned": 10000, "readings_done": 9990, "uploads_overdue": 2, "one_stop_due": 1000,
    "one_stop_done": 950, "bills_issued": 20000, "bills_erroneous": 4, "anomalies_overdue": 3,
    "receivable_rollbacks": 1, "recon_due": 100, "recon_done": 98, "writeoffs_next_day": 0,
}
PERFECT_COUNTERS = {**GOOD_COUNTERS, "readings_done": 10000, "uploads_overdue": 0, "one_stop_done": 1000,
                    "bills_erroneous": 0, "anomalies_overdue": 0, "receivable_rollbacks": 0, "recon_done": 100}
# Graded `accountability` (fraud 5 + amount ≥ ¥100 000 4 points): the kind of error that raises an alert.
GRAVE_ERROR_BODY = {**ERROR_BODY, "nature": "fraud", "amount": "-250000.00"}


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout_s: float = 20.0,
                     pause_s: float = 0.1) -> T:
    """Poll until probe returns something truthy; fail with the last value after timeout_s."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(pause_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last: {last!r})")
