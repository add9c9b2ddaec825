"""Helpers of the fault tests: counts that tolerate the database being away, and timings."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text

from shared.events.envelope import new_envelope
from shared.messaging.consumer import ConsumerHealth
from shared.runtime import Runtime


def error_envelope() -> bytes:
    """A grave ErrorReported (fraud): the alerts consumer raises one alert for it."""
    data = {"error_id": str(uuid.uuid4()), "unit": "QY-QC-01", "period": "2026-10", "category": "reading",
            "nature": "fraud", "amount": "500.00", "description": "x", "reporter": "t",
            "reported_at": "2026-10-05T08:00:00Z"}
    return new_envelope(type_="ErrorReported", source="m2c/audit-link", version=1, subject="QY-QC-01",
                        data=data).to_bytes()


async def counts(runtime: Runtime, consumer: str = "m2c-alerts") -> tuple[int, int] | None:
    """(alerts, inbox rows of the consumer), or None while the database is away."""
    try:
        async with runtime.session_factory() as s:
            alerts = (await s.execute(text("SELECT count(*) FROM alerts_alerts"))).scalar_one()
            inbox = (await s.execute(text("SELECT count(*) FROM m2c_inbox WHERE consumer = :c"),
                                     {"c": consumer})).scalar_one()
    except Exception:  # noqa: BLE001 - the outage is the point
        return None
    return alerts, inbox


async def wait_until(condition, *, timeout_s: float, pause_s: float = 0.05) -> float:
    """Poll an async condition; returns time.monotonic() when it first held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await condition():
            return time.monotonic()
        await asyncio.sleep(pause_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


async def not_ready(health: ConsumerHealth) -> bool:
    return not health.ready


async def ready(health: ConsumerHealth) -> bool:
    return health.ready
