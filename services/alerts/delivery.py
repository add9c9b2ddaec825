"""The webhook delivery worker: POSTs queued deliveries (signed), retries with back-off, and
re-queues unacknowledged firing alerts after their subscription's repeat interval.

Safe with many replicas: rows are claimed FOR UPDATE SKIP LOCKED under a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from services.alerts import lifecycle
from services.alerts.adapters import delivery_repository as queue
from services.alerts.adapters import repository
from services.alerts.config import AlertsSettings
from services.alerts.domain.silences import is_silenced
from services.alerts.domain.subscriptions import active_secrets, backoff_s, signature
from shared.runtime import Runtime

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, runtime: Runtime, config: AlertsSettings):
        self.runtime = runtime
        self.config = config

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=self.config.timeout_s) as http:
            while not stop.is_set():
                queued = await self.queue_repeats()
                sent = await self.deliver_once(http)
                if not sent and not queued:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.config.poll_s)

    async def deliver_once(self, http: httpx.AsyncClient) -> int:
        c = self.config
        now = self.runtime.clock.now()
        async with self.runtime.uow() as uow:
            claimed = await queue.claim_due(uow.session, now=now, lease_s=c.lease_s, limit=c.batch_size)
            await uow.commit()
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._post(http, d) for d in claimed))
        async with self.runtime.uow() as uow:
            at = self.runtime.clock.now()
            for d, (status, error, ms) in zip(claimed, results, strict=True):
                ok = status is not None and 200 <= status < 300
                retry_at = None
                if not ok and d["attempts"] < c.max_attempts:
                    retry_at = at + timedelta(seconds=backoff_s(d["attempts"], base_s=c.retry_base_s,
                                                                cap_s=c.retry_cap_s))
                await queue.record_attempt(uow.session, d, at=at, status_code=status, error=error,
                                           duration_ms=ms, ok=ok, retry_at=retry_at)
            await uow.commit()
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

    async def queue_repeats(self) -> int:
        """Re-queue firing, unacknowledged alerts whose repeat interval has passed since the last send."""
        now = self.runtime.clock.now()
        async with self.runtime.uow() as uow:
            due = await queue.due_repeats(uow.session, now=now, limit=self.config.batch_size)
            if not due:
                return 0
            silences = await repository.active_silences(uow.session, now)
            queued = 0
            for row in due:
                alert = await repository.alert_by_id(uow.session, row["alert_id"])
                sub = await repository.subscription(uow.session, row["subscription_id"])
                await queue.touch_notification(uow.session, row["subscription_id"], row["alert_id"], now)
                if alert is None or sub is None:
                    continue
                labels = {**alert.labels, "type": alert.type, "unit": alert.unit, "severity": alert.severity}
                if is_silenced(silences, labels, now) or not lifecycle.sub_match(sub).accepts(
                        alert.type, alert.severity, alert.unit):
                    continue
                delivery_id = uuid.uuid4()
                await repository.enqueue_delivery(
                    uow.session, delivery_id=delivery_id, subscription_id=sub["id"], alert_id=alert.id,
                    change="repeat", body=lifecycle.delivery_body(delivery_id, sub, "repeat", alert), at=now)
                queued += 1
            await uow.commit()
        return queued


def make_worker(runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
    return DeliveryWorker(runtime, AlertsSettings()).run
