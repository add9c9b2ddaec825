"""audit_link's background work: the SLA scanner, every few seconds, on the runtime's clock, and
once per local day (and at start) the calendar duties: compute pending deadlines the stored
calendar now covers, and report a missing next-year calendar (CalendarYearMissing)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date

from services.audit_link.handlers import calendar, sla
from shared.calendar import local_date
from shared.runtime import Runtime

log = logging.getLogger(__name__)
SCAN_INTERVAL_S = 1.0


async def scan_once(runtime: Runtime, *, batch: int = 1000) -> sla.ScanResult:
    """One scanner pass at the runtime clock's now, counting SLA breaches in the metrics."""
    result = await sla.scan(runtime.uow, runtime.clock.now(), batch=batch)
    if result.breaches:
        runtime.metrics.sla_breaches.inc(result.breaches)
    if result.escalated:
        log.info("escalated %d overdue ticket stage(s)", result.escalated)
    return result


async def calendar_duties(runtime: Runtime) -> None:
    """Pending deadlines the calendar now covers (a year loaded by a migration or another replica),
    then the next-year check. Cheap, and run once a day: one CalendarYearMissing per day at most."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        await calendar.settle_pending(calendar.SettlePending(at=now), uow)
    async with runtime.uow() as uow:
        await calendar.check_next_year(calendar.CheckNextYear(at=now), uow)


def sla_scanner(runtime: Runtime, interval_s: float = SCAN_INTERVAL_S) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        checked_on: date | None = None
        while not stop.is_set():
            today = local_date(runtime.clock.now())
            if today != checked_on:
                await calendar_duties(runtime)
                checked_on = today
            await scan_once(runtime)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    return run
