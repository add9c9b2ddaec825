"""audit_link's background work: the SLA scanner, every few seconds, on the runtime's clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from services.audit_link.handlers import sla
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


def sla_scanner(runtime: Runtime, interval_s: float = SCAN_INTERVAL_S) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await scan_once(runtime)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    return run
