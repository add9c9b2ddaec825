"""The webhook delivery worker: looks at due notification groups (group_wait, group_interval,
repeat_interval), climbs due escalations, POSTs queued deliveries (signed), retries with back-off.

Safe with many replicas: rows are claimed FOR UPDATE SKIP LOCKED under a lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from services.alerts import notify
from services.alerts.adapters import delivery_repository as queue
from services.alerts.adapters import escalation_repository as escalations
from services.alerts.adapters import group_repository as groups
from services.alerts.adapters import repository
from services.alerts.config import AlertsSettings
from services.alerts.domain import escalation, grouping
from services.alerts.domain.silences import is_silenced
from services.alerts.domain.status import STATUSES, status
from services.alerts.domain.subscriptions import active_secrets, backoff_s, signature
from services.alerts.inhibition import labels_of
from shared.calendar import CalendarMissing
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

    async def flush_groups(self) -> int:
        """Look at the groups that are due: send what is new, repeats, and resolved groups (one
        transaction; groups claimed FOR UPDATE SKIP LOCKED, so replicas share the work)."""
        now = self.runtime.clock.now()
        async with self.runtime.uow() as uow:
            due = await groups.claim_due(uow.session, now=now, limit=self.config.batch_size)
            if not due:
                return 0
            silences = await repository.active_silences(uow.session, now)
            by_group: dict[tuple, list[dict[str, Any]]] = {}
            for m in await groups.members(uow.session, [(g["subscription_id"], g["group_key"]) for g in due]):
                m["status"] = status(m["state"], silenced=is_silenced(silences, labels_of(m), now),
                                     inhibited=m["inhibited_by"] is not None)
                by_group.setdefault((m["subscription_id"], m["group_key"]), []).append(m)
            sent = 0
            for g in due:
                sent += await self._flush(uow, g, by_group.get((g["subscription_id"], g["group_key"]), []), now)
            await uow.commit()
        return sent

    async def _flush(self, uow: Any, g: dict[str, Any], members: list[dict[str, Any]], now: Any) -> int:
        key = g["group_key"]
        if g["deleted_at"] is not None:
            await groups.after_flush(uow.session, subscription_id=g["subscription_id"], group_key=key, at=now,
                                     sent=False, sent_firing=None, next_flush_at=None, notified={}, resolved=(),
                                     close=True)
            return 0
        plan = grouping.plan_flush(
            grouping.GroupTimes(g["created_at"], g["last_flushed_at"], g["last_sent_at"], g["sent_firing"]),
            [grouping.Member(m["id"], m["severity"], m["status"], m["notified_severity"]) for m in members],
            now=now, repeat_interval_s=g["repeat_interval_s"], send_resolved=g["send_resolved"])
        firing = [m for m in members if m["status"] == "firing"]
        resolved = [m for m in members if m["status"] == "resolved"]
        if plan.send:
            listed = resolved if plan.send == "resolved" else firing
            counts: dict[str, int] = {s: sum(1 for m in members if m["status"] == s) for s in STATUSES}
            delivery_id = uuid.uuid4()
            if g["channel"] == "kafka":  # same group, same timing: one AlertGroupNotified on m2c.alerts.v1
                uow.emit(notify.group_event(delivery_id, g, plan.send, key, g["labels"], listed[:grouping.FIRST_N],
                                            counts, now),
                         subject=g["labels"].get("unit") or None, key=str(g["subscription_id"]))
            else:
                body = notify.group_body(delivery_id, g, plan.send, key, g["labels"], listed[:grouping.FIRST_N],
                                         counts)
                await repository.enqueue_delivery(
                    uow.session, delivery_id=delivery_id, subscription_id=g["subscription_id"], change=plan.send,
                    body=body, at=now, group_key=key, alert_count=len(listed))
        # what the subscriber has now heard of: the firing alerts' severities; the others are forgotten
        notified = {m["id"]: (m["severity"] if m["status"] == "firing" else None) for m in members
                    if plan.send in ("firing", "repeat") or m["status"] != "firing"}
        await groups.after_flush(
            uow.session, subscription_id=g["subscription_id"], group_key=key, at=now, sent=plan.send is not None,
            sent_firing=True if plan.send in ("firing", "repeat") else None,
            next_flush_at=plan.next_flush_at, notified=notified, resolved=[m["id"] for m in resolved],
            close=plan.close)
        return 1 if plan.send else 0

    async def escalate(self) -> int:
        """Notify the next level of every escalation that is due (claimed FOR UPDATE SKIP LOCKED)."""
        now = self.runtime.clock.now()
        async with self.runtime.uow() as uow:
            due = await escalations.claim_due(uow.session, now=now, limit=self.config.batch_size)
            if not due:
                return 0
            cal = await escalations.calendar(uow.session)
            silences = await repository.active_silences(uow.session, now)
            for row in due:
                await self._escalate_one(uow, row, cal, silences, now)
            await uow.commit()
        return len(due)

    async def _escalate_one(self, uow: Any, row: dict[str, Any], cal: Any, silences: list, now: Any) -> None:
        s = uow.session
        policy = await escalations.policy(s, row["policy_id"])
        alerts = await repository.list_alerts(s, state=None, severity=None, unit=None, scope=None, after=None,
                                              limit=1, at=now, alert_id=row["alert_id"])
        if policy is None or not alerts or alerts[0]["status"] != "firing":
            why = "policy deleted" if policy is None else (alerts[0]["status"] if alerts else "alert gone")
            if alerts and why == "suppressed":  # silenced or inhibited: not now; look again in an hour
                await escalations.advance(s, row, level=row["level"], round_=row["round"],
                                          next_at=now + timedelta(hours=1), at=now)
                return
            await escalations.advance(s, row, level=row["level"], round_=row["round"], next_at=None, at=now,
                                      stop_reason=why)
            return
        alert = alerts[0]
        levels = [escalation.Level.of(lv) for lv in policy["levels"]]
        try:
            step = escalation.step(cal, levels, level=row["level"], round_=row["round"],
                                   repeat_cap=policy["repeat_cap"], now=now)
        except CalendarMissing as exc:
            await escalations.advance(s, row, level=row["level"], round_=row["round"], next_at=None, at=now,
                                      stop_reason=str(exc))
            return
        level = levels[step.notify_level - 1]
        targets = await escalations.level_targets(s, subscription_ids=level.subscription_ids,
                                                  org_levels_up=level.org_levels_up, alert_type=alert["type"],
                                                  unit=alert["unit"])
        for sub in targets:
            delivery_id = uuid.uuid4()
            if sub["channel"] == "kafka":
                uow.emit(notify.escalation_event(delivery_id, sub, policy, step.notify_level, row["round"], alert,
                                                 now), subject=alert["unit"], key=str(sub["id"]))
                continue
            await repository.enqueue_delivery(
                s, delivery_id=delivery_id, subscription_id=sub["id"], change="escalated", at=now,
                alert_id=alert["id"], group_key=alert["fingerprint"], alert_count=1,
                body=notify.escalation_body(delivery_id, sub, policy, step.notify_level, row["round"], alert))
        await repository.add_history(
            s, alert=repository._to_alert(alert), change="escalated", at=now, event_id=None, actor=None,
            silenced=False, changes={"level": [row["level"], step.notify_level], "policy": [None, policy["name"]],
                                     "notified": [None, len(targets)]})
        await escalations.advance(s, row, level=step.level, round_=step.round, next_at=step.next_at, at=now)


def make_worker(config: AlertsSettings) -> Callable[[Runtime], Callable[[asyncio.Event], Awaitable[None]]]:
    """The delivery worker's factory, with alerts' settings built by its bootstrap."""
    def start(runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
        return DeliveryWorker(runtime, config).run
    return start
