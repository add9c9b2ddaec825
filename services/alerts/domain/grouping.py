"""Grouping of notifications per subscription, the way Alertmanager does it (pure rules).

A subscription's `group_by` labels split the alerts it accepts into groups; `["..."]` makes every
alert its own group. A new group waits `group_wait` so a burst arrives as one notification; after a
notification, changes wait until `group_interval` has passed since the last look; a group whose
firing alerts have all been heard of is re-sent after `repeat_interval` (when set). When every alert
of a group has resolved, one resolved notification (`send_resolved`) closes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

ALL_LABELS = "..."  # group_by value: no aggregation, one group per alert
DEFAULT_GROUP_BY = ("unit", "type")
FIRST_N = 20  # alerts a notification lists in full; `count` says how many there are


def group_of(group_by: Sequence[str], labels: Mapping[str, str], fingerprint: str) -> tuple[str, dict[str, str]]:
    """(group key, group labels) of an alert with these labels (type, unit and severity included)."""
    if ALL_LABELS in group_by:
        values = {"fingerprint": fingerprint}
    else:
        values = {k: labels.get(k, "") for k in sorted(group_by)}
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")), values


def link(group_labels: Mapping[str, str]) -> str:
    """The alert list filtered to the group (the API path a receiver can follow)."""
    params: list[tuple[str, str]] = []
    for k, v in sorted(group_labels.items()):
        if k in ("type", "unit", "severity"):
            params.append((k, v))
        elif k != "fingerprint":
            params.append(("label", f"{k}={v}"))
    if "fingerprint" in group_labels:
        params.append(("fingerprint", group_labels["fingerprint"]))
    return "/api/v1/alerts?" + urlencode(params)


@dataclass(frozen=True)
class Member:
    """One alert of a group as a flush sees it."""

    alert_id: object
    severity: str
    status: str  # firing | suppressed | acknowledged | resolved (see domain.status)
    notified_severity: str | None  # what the subscriber last heard; None = not yet


@dataclass(frozen=True)
class GroupTimes:
    created_at: datetime
    last_flushed_at: datetime | None
    last_sent_at: datetime | None
    sent_firing: bool


@dataclass(frozen=True)
class FlushPlan:
    """What one look at a group does.

    send: None, 'firing' (something new to say), 'repeat' (nothing new, repeat interval passed) or
    'resolved' (every alert resolved). close: drop the group. next_flush_at: the next look (None: only
    when an alert of the group changes)."""

    send: str | None
    close: bool
    next_flush_at: datetime | None


def plan_flush(times: GroupTimes, members: Sequence[Member], *, now: datetime, repeat_interval_s: int | None,
               send_resolved: bool) -> FlushPlan:
    firing = [m for m in members if m.status == "firing"]
    if not members:  # its alerts moved to other groups (labels or severity changed): nothing to say
        return FlushPlan(None, True, None)
    if all(m.status == "resolved" for m in members):
        return FlushPlan("resolved" if times.sent_firing and send_resolved else None, True, None)
    new = [m for m in firing if m.notified_severity != m.severity]
    if new:
        send: str | None = "firing"
    elif (firing and repeat_interval_s and times.last_sent_at is not None
          and now >= times.last_sent_at + timedelta(seconds=repeat_interval_s)):
        send = "repeat"
    else:
        send = None
    last_sent = now if send else times.last_sent_at
    next_at = None
    if firing and repeat_interval_s and last_sent is not None:
        next_at = last_sent + timedelta(seconds=repeat_interval_s)
    return FlushPlan(send, False, next_at)
