"""Inhibition at record time: whether an alert is held down by an active source alert, and, when a
source alert changes, which alerts it now holds down or lets go. Each change of an alert's
inhibition is written to its history and makes its groups look again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.alerts.adapters import group_repository, repository
from services.alerts.domain.alerts import Alert
from services.alerts.domain.rules import InhibitionRule
from services.alerts.domain.silences import Matcher
from shared.uow import UnitOfWork


def labels_of(a: Alert | dict[str, Any]) -> dict[str, str]:
    if isinstance(a, Alert):
        return {**a.labels, "type": a.type, "unit": a.unit, "severity": a.severity}
    return {**a["labels"], "type": a["type"], "unit": a["unit"], "severity": a["severity"]}


def _sql_equalities(matchers: tuple[Matcher, ...]) -> dict[str, str]:
    return {m.name: m.value for m in matchers if not m.is_regex}


async def _lock(uow: UnitOfWork, rule: InhibitionRule, labels: dict[str, str]) -> dict[str, str]:
    """Serialise a rule's source and targets with equal labels (replicas see each other's changes)."""
    equal = {k: labels.get(k, "") for k in rule.equal}
    await repository.lock_fingerprint(uow.session, f"inhibit:{rule.name}:{json.dumps(equal, sort_keys=True)}")
    return equal


async def inhibitor_of(uow: UnitOfWork, alert: Alert, rules: list[InhibitionRule]) -> str | None:
    """The fingerprint of an active alert that inhibits this one, or None."""
    if alert.state == "resolved":
        return None
    labels = labels_of(alert)
    for rule in rules:
        if not rule.is_target(labels):
            continue
        equal = await _lock(uow, rule, labels)
        for c in await repository.active_with_labels(uow.session, {**_sql_equalities(rule.source), **equal},
                                                     exclude=alert.id):
            if rule.inhibits(labels_of(c), labels):
                return c["fingerprint"]
    return None


async def update_targets(uow: UnitOfWork, source: Alert, rules: list[InhibitionRule], at: datetime) -> None:
    """A possible source changed: hold down its targets while it is active, let them go when resolved."""
    labels = labels_of(source)
    for rule in rules:
        if not rule.is_source(labels):
            continue
        equal = await _lock(uow, rule, labels)
        for c in await repository.active_with_labels(uow.session, {**_sql_equalities(rule.target), **equal},
                                                     exclude=source.id):
            target = repository._to_alert(c)
            if not rule.is_target(labels_of(target)):
                continue
            was = c["inhibited_by"]
            if source.state != "resolved":
                now = was or source.fingerprint
            elif was == source.fingerprint:
                now = await inhibitor_of(uow, target, rules)
            else:
                continue
            if now == was:
                continue
            await repository.set_inhibited_by(uow.session, target.id, now)
            await repository.add_history(uow.session, alert=target, change="inhibited" if now else "uninhibited",
                                         at=at, event_id=None, actor=None, silenced=False, inhibited=now is not None,
                                         changes={"inhibited_by": [was, now]})
            await group_repository.mark_changed(uow.session, target.id, at)
