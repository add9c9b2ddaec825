"""The webhook delivery worker: looks at due notification groups (group_wait, group_interval,
repeat_interval), climbs due escalations, POSTs queued deliveries (signed), retries with back-off.
Each step is a command of handlers.delivery in its own transaction; the POSTs happen between the
claim and the record, outside any transaction.

Safe with many replicas: rows are claimed FOR UPDATE SKIP LOCKED under a lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from services.alerts.config import AlertsSettings
from services.alerts.domain.subscriptions import active_secrets, signature
from services.alerts.handlers import delivery as handlers
from shared.messaging.pg_wake import PgWake
from shared.runtime import Runtime

log = logging.getLogger(__name__)
WAKE_CHANNEL = "m2c_alerts_due"  # NOTIFY'd by migration 0019's triggers


class DeliveryWorker:
    def __init__(self, runtime: Runtime, config: AlertsSettings):
        self.runtime = runtime
        self.config = config

    async def run(self, stop: asyncio.Event) -> None:
        # A commit that makes work due (a group or an escalation due now) NOTIFies WAKE_CHANNEL
        # (migration 0019): the worker starts at once instead of waiting out poll_s, the fallback.
        wake = PgWake(self.runtime.engine, WAKE_CHANNEL)
        try:
            async with httpx.AsyncClient(timeout=self.config.timeout_s) as http:
                while not stop.is_set():
                    await wake.arm()  # what commits from now on wakes the next pause
                    queued = await self.flush_groups() + await self.escalate()
                    sent = await self.deliver_once(http)
                    if not sent and not queued:
                        await wake.pause(stop, self.config.poll_s)
        finally:
            await wake.close()

    async def deliver_once(self, http: httpx.AsyncClient) -> int:
        c = self.config
        async with self.runtime.uow() as uow:
            claimed = await handlers.claim_deliveries(
                handlers.ClaimDeliveries(self.runtime.clock.now(), c.lease_s, c.batch_size), uow)
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._post(http, d) for d in claimed))
        async with self.runtime.uow() as uow:
            attempts = [handlers.Attempt(d, *result) for d, result in zip(claimed, results, strict=True)]
            await handlers.record_attempts(handlers.RecordAttempts(
                attempts, self.runtime.clock.now(), c.max_attempts, c.retry_base_s, c.retry_cap_s), uow)
        return len(claimed)

    async def _post(self, http: httpx.AsyncClient, d: dict[str, Any]) -> tuple[int | None, str | None, float]:
        body = d["body"].encode()
        now = self.runtime.clock.now()  # signed per attempt: a retry carries a fresh time
        secrets = active_secrets(d["secret"], d["previous_secret"], d["previous_secret_until"], now)
        headers = {"Content-Type": "application/json", "X-M2C-Delivery": str(d["id"]),
                   "X-M2C-Signature": signature(secrets, body, int(now.timestamp())), "User-Agent": "m2c-alerts/1"}
        started = time.perf_counter()
        try:
            r = await http.post(d["url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500], (time.perf_counter() - started) * 1000
        error = None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"
        return r.status_code, error, (time.perf_counter() - started) * 1000

    async def flush_groups(self) -> int:
        """The notification groups that are due (handlers.delivery.flush_groups)."""
        async with self.runtime.uow() as uow:
            return await handlers.flush_groups(
                handlers.FlushGroups(self.runtime.clock.now(), self.config.batch_size), uow)

    async def escalate(self) -> int:
        """The escalations that are due (handlers.delivery.escalate)."""
        async with self.runtime.uow() as uow:
            return await handlers.escalate(handlers.Escalate(self.runtime.clock.now(), self.config.batch_size), uow)


def make_worker(config: AlertsSettings) -> Callable[[Runtime], Callable[[asyncio.Event], Awaitable[None]]]:
    """The delivery worker's factory, with alerts' settings built by its bootstrap."""
    def start(runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
        return DeliveryWorker(runtime, config).run
    return start
