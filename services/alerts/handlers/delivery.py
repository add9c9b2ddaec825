"""The delivery worker's transactions as commands: look at the notification groups that are due,
climb the escalations that are due, claim the queued webhook deliveries and record their attempts.
Each is one transaction and commits; rows are claimed FOR UPDATE SKIP LOCKED, so replicas share the
work. The worker (services/alerts/entrypoints/delivery_worker.py) runs them in a loop and does the HTTP POSTs between
the claim and the record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.alerts import notify
from services.alerts.adapters import delivery_repository as queue
from services.alerts.adapters import escalation_repository as escalations
from services.alerts.adapters import group_repository as groups
from services.alerts.adapters import repository
from services.alerts.domain import escalation, grouping
from services.alerts.domain.silences import Silence, is_silenced
from services.alerts.domain.status import STATUSES, status
from services.alerts.domain.subscriptions import backoff_s
from services.alerts.inhibition import labels_of
from shared.calendar import CalendarData, CalendarMissing
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class FlushGroups:
    at: datetime
    limit: int  # groups claimed in one transaction


async def flush_groups(cmd: FlushGroups, uow: UnitOfWork) -> int:
    """Look at the groups that are due: send what is new, repeats, and resolved groups; committed.
    Returns how many groups sent something."""
    now = cmd.at
    due = await groups.claim_due(uow.session, now=now, limit=cmd.limit)
    if not due:
        return 0
    silences = await repository.active_silences(uow.session, now)
    by_group: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for m in await groups.members(uow.session, [(g["subscription_id"], g["group_key"]) for g in due]):
        m["status"] = status(m["state"], silenced=is_silenced(silences, labels_of(m), now),
                             inhibited=m["inhibited_by"] is not None)
        by_group.setdefault((m["subscription_id"], m["group_key"]), []).append(m)
    sent = 0
    for g in due:
        sent += await _flush(uow, g, by_group.get((g["subscription_id"], g["group_key"]), []), now)
    await uow.commit()
    return sent


async def _flush(uow: UnitOfWork, g: dict[str, Any], members: list[dict[str, Any]], now: datetime) -> int:
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


@dataclass(frozen=True)
class Escalate:
    at: datetime
    limit: int  # escalations claimed in one transaction


async def escalate(cmd: Escalate, uow: UnitOfWork) -> int:
    """Notify the next level of every escalation that is due; committed. Returns how many were due."""
    now = cmd.at
    due = await escalations.claim_due(uow.session, now=now, limit=cmd.limit)
    if not due:
        return 0
    cal = await escalations.calendar(uow.session)
    silences = await repository.active_silences(uow.session, now)
    for row in due:
        await _escalate_one(uow, row, cal, silences, now)
    await uow.commit()
    return len(due)


async def _escalate_one(uow: UnitOfWork, row: dict[str, Any], cal: CalendarData, silences: list[Silence],
                        now: datetime) -> None:
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


@dataclass(frozen=True)
class ClaimDeliveries:
    at: datetime
    lease_s: float  # how long the claimed deliveries are reserved for this worker
    limit: int


async def claim_deliveries(cmd: ClaimDeliveries, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Claim the queued deliveries that are due (under a lease); committed, so the POSTs happen
    outside any transaction. Returns them with their subscription's URL and secrets."""
    claimed = await queue.claim_due(uow.session, now=cmd.at, lease_s=cmd.lease_s, limit=cmd.limit)
    await uow.commit()
    return claimed


@dataclass(frozen=True)
class Attempt:
    delivery: dict[str, Any]  # a claimed delivery
    status_code: int | None  # None: no answer (connection error, timeout)
    error: str | None
    duration_ms: float


@dataclass(frozen=True)
class RecordAttempts:
    attempts: Sequence[Attempt]
    at: datetime
    max_attempts: int
    retry_base_s: float
    retry_cap_s: float


async def record_attempts(cmd: RecordAttempts, uow: UnitOfWork) -> None:
    """Record each attempt: delivered on a 2xx, otherwise retried with back-off until `max_attempts`,
    then failed; committed."""
    at = cmd.at
    for a in cmd.attempts:
        d = a.delivery
        ok = a.status_code is not None and 200 <= a.status_code < 300
        retry_at = None
        if not ok and d["attempts"] < cmd.max_attempts:
            retry_at = at + timedelta(seconds=backoff_s(d["attempts"], base_s=cmd.retry_base_s,
                                                        cap_s=cmd.retry_cap_s))
        await queue.record_attempt(uow.session, d, at=at, status_code=a.status_code, error=a.error,
                                   duration_ms=a.duration_ms, ok=ok, retry_at=retry_at)
    await uow.commit()
