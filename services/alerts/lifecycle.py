"""Applies alert changes: the row, its history, inhibition, the m2c.alerts.v1 event, the groups that
will notify webhook subscribers, and escalations — all in the caller's unit of work (one transaction)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.alerts import batch, inhibition
from services.alerts.adapters import escalation_repository, group_repository
from services.alerts.domain import alerts as domain
from services.alerts.domain import escalation, grouping, rules
from services.alerts.domain.silences import is_silenced
from services.alerts.domain.subscriptions import Match
from shared.calendar import CalendarMissing
from shared.events.alerts import AlertRaised, AlertResolved, AlertUpdated
from shared.uow import UnitOfWork

_EVENTS = {"raised": AlertRaised, "updated": AlertUpdated, "acked": AlertUpdated, "resolved": AlertResolved}


def sub_match(sub: dict[str, Any]) -> Match:
    return Match(tuple(sub["types"]), sub["min_severity"], sub["unit_prefix"])


async def calibrate(uow: UnitOfWork, signal: domain.AlertSignal) -> domain.AlertSignal:
    """The severity the rules give this signal (the source's own when no rule applies)."""
    if signal.resolves:
        return signal
    severity, _ = rules.calibrated_severity(await batch.store_of(uow).severity_rules(), signal.type,
                                            {**signal.labels, "type": signal.type, "unit": signal.unit},
                                            signal.severity)
    return replace(signal, severity=severity)


async def on_signal(uow: UnitOfWork, signal: domain.AlertSignal, event_id: uuid.UUID, at: datetime) -> None:
    """A source event's signal: raise, update or resolve the alert of its fingerprint."""
    signal = await calibrate(uow, signal)
    current = await batch.store_of(uow).current(signal.fingerprint)  # locked for this transaction
    change = domain.apply_signal(current, signal, new_id=uuid.uuid4(), event_id=str(event_id), at=at)
    if change is not None:
        await record(uow, change, new=current is None, event_id=event_id, actor=None, at=at)


async def record(uow: UnitOfWork, change: domain.Change, *, new: bool, event_id: uuid.UUID | None,
                 actor: str | None, at: datetime) -> None:
    a = change.alert
    session = uow.session
    store = batch.store_of(uow)  # in a consumed batch: rules read once, alert and history written at its end
    await store.save_alert(a, new=new)
    labels = inhibition.labels_of(a)
    silenced = is_silenced(await store.silences(at), labels, at)
    inhibit_rules = await store.inhibition_rules()
    was_inhibited_by = None if new else await store.inhibited_by(a)
    # Only rules naming this alert as a source or target read or change other alerts.
    concerned = any(r.is_source(labels) or r.is_target(labels) for r in inhibit_rules)
    if concerned:
        await store.flush()
    inhibited_by = await inhibition.inhibitor_of(uow, a, inhibit_rules)
    if inhibited_by != was_inhibited_by:
        await store.set_inhibited_by(a, inhibited_by)
    if concerned:
        await inhibition.update_targets(uow, a, inhibit_rules, at)
        store.forget_alerts()  # targets' inhibited_by may have moved

    something_to_tell = change.notify or inhibited_by != was_inhibited_by
    kafka_subs: list[str] = []
    subs = [s for s in await store.subscriptions() if sub_match(s).accepts(a.type, a.severity, a.unit)]
    kept: list[tuple[uuid.UUID, str]] = []
    for sub in subs:
        if sub["channel"] == "kafka" and change.notify and not silenced and inhibited_by is None:
            kafka_subs.append(str(sub["id"]))  # the per-alert view, kept; groups below give the digests
        if a.state == "firing":  # webhook and Kafka subscriptions alike (AlertGroupNotified for Kafka)
            key, group_labels = grouping.group_of(sub["group_by"], labels, a.fingerprint)
            kept.append((sub["id"], key))
            await store.flush()
            store.now_grouped(a.id)
            await group_repository.note_member(
                session, subscription_id=sub["id"], group_key=key, labels=group_labels, alert_id=a.id, at=at,
                group_wait_s=sub["group_wait_s"], group_interval_s=sub["group_interval_s"],
                changed=something_to_tell, fresh=change.kind == "raised")
    # (an alert in no group and on no policy has nothing to change there: no statement)
    if a.state == "resolved" and change.notify and store.may_be_grouped(a.id):
        await store.flush()
        await group_repository.mark_changed(session, a.id, at)
    elif change.kind == "updated" and a.state == "firing" and store.may_be_grouped(a.id):
        await store.flush()
        await group_repository.keep_only(session, a.id, kept)

    if change.kind == "raised":
        await _start_escalations(uow, a, subs, at)
    elif change.kind in ("acked", "resolved") and store.may_escalate(a.id):
        await store.flush()
        await escalation_repository.stop(session, a.id, at=at, reason=change.kind)

    await store.add_history(alert=a, change=change.kind, at=at, event_id=event_id, actor=actor,
                            changes=change.changes, silenced=silenced, inhibited=inhibited_by is not None)
    uow.emit(_EVENTS[change.kind](
        alert_id=a.id, fingerprint=a.fingerprint, type=a.type, unit=a.unit, severity=a.severity, state=a.state,
        summary=a.summary, labels=a.labels, count=a.count, first_seen=a.first_seen, last_seen=a.last_seen,
        change=change.kind, silenced=silenced, source_event_id=event_id, acked_by=a.acked_by,
        subscriptions=kafka_subs,
    ), subject=a.unit)


async def _start_escalations(uow: UnitOfWork, a: domain.Alert, subs: list[dict[str, Any]], at: datetime) -> None:
    """Policies for this alert: those naming its type, and those of the subscriptions that accept it."""
    referenced = {s["escalation_policy_id"] for s in subs if s.get("escalation_policy_id")}
    store = batch.store_of(uow)
    policies = escalation.applicable(await store.policies(), a.type, referenced)
    if not policies:
        return
    await store.flush()
    store.now_escalating(a.id)
    cal = await store.calendar()
    for p in policies:
        levels = [escalation.Level.of(lv) for lv in p["levels"]]
        try:
            next_at, reason = escalation.first_due(cal, levels, at), None
        except CalendarMissing as exc:  # explicit, never a weekends-only guess
            next_at, reason = None, str(exc)
        await escalation_repository.start(uow.session, alert_id=a.id, policy_id=p["id"], at=at, next_at=next_at,
                                          stop_reason=reason)
