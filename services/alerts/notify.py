"""The bodies of notifications: a group's (firing, repeat, resolved) and an escalation's, as a webhook
body (JSON text) or as the AlertGroupNotified event a Kafka-channel subscription reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.alerts.domain import grouping
from shared.events.alerts import AlertGroupNotified, GroupedAlert, GroupEscalation
from shared.validation import api_time


def alert_json(a: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    return {
        "id": str(a["id"]), "fingerprint": a["fingerprint"], "type": a["type"], "unit": a["unit"],
        "severity": a["severity"], "state": a["state"], "status": status or a["state"], "summary": a["summary"],
        "labels": a["labels"], "first_seen": api_time(a["first_seen"]), "last_seen": api_time(a["last_seen"]),
        "count": a["count"],
    }


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def group_body(delivery_id: uuid.UUID, sub: dict[str, Any], change: str, group_key: str,
               labels: dict[str, str], listed: Sequence[dict[str, Any]], counts: dict[str, int]) -> str:
    """change: firing | repeat | resolved. `alerts` lists the first N (firing ones for firing/repeat,
    resolved ones for resolved); `count` says how many the group has of them."""
    count = counts["resolved"] if change == "resolved" else counts["firing"]
    return _dump({
        "version": "2", "delivery_id": str(delivery_id),
        "subscription": {"id": str(sub["subscription_id"]), "name": sub["name"]},
        "change": change, "status": "resolved" if change == "resolved" else "firing",
        "group": {"key": group_key, "labels": labels, "count": count, "counts": counts,
                  "truncated": max(0, count - len(listed)), "link": grouping.link(labels)},
        "alerts": [alert_json(a, a.get("status")) for a in listed],
    })


def escalation_body(delivery_id: uuid.UUID, sub: dict[str, Any], policy: dict[str, Any], level: int,
                    round_: int, alert: dict[str, Any]) -> str:
    return _dump({
        "version": "2", "delivery_id": str(delivery_id), "subscription": {"id": str(sub["id"]), "name": sub["name"]},
        "change": "escalated", "status": "firing",
        "escalation": {"policy": {"id": str(policy["id"]), "name": policy["name"]}, "level": level,
                       "round": round_ + 1},
        "group": {"key": alert["fingerprint"], "labels": {"fingerprint": alert["fingerprint"]}, "count": 1,
                  "truncated": 0, "link": grouping.link({"fingerprint": alert["fingerprint"]})},
        "alerts": [alert_json(alert, "firing")],
    })


def _grouped(a: dict[str, Any], status: str | None) -> GroupedAlert:
    return GroupedAlert(alert_id=a["id"], fingerprint=a["fingerprint"], type=a["type"], unit=a["unit"],
                        severity=a["severity"], state=a["state"], status=status or a["state"], summary=a["summary"],
                        labels=a["labels"], count=a["count"], first_seen=a["first_seen"], last_seen=a["last_seen"])


def group_event(notification_id: uuid.UUID, sub: dict[str, Any], change: str, group_key: str,
                labels: dict[str, str], listed: Sequence[dict[str, Any]], counts: dict[str, int],
                at: datetime) -> AlertGroupNotified:
    """The Kafka form of group_body: the same group, counts, first N alerts and link."""
    count = counts["resolved"] if change == "resolved" else counts["firing"]
    return AlertGroupNotified(
        notification_id=notification_id, subscription_id=sub["subscription_id"], subscription_name=sub["name"],
        change=change, status="resolved" if change == "resolved" else "firing", group_key=group_key,
        group_labels=labels, count=count, counts=counts, truncated=max(0, count - len(listed)),
        link=grouping.link(labels), alerts=[_grouped(a, a.get("status")) for a in listed], notified_at=at)


def escalation_event(notification_id: uuid.UUID, sub: dict[str, Any], policy: dict[str, Any], level: int,
                     round_: int, alert: dict[str, Any], at: datetime) -> AlertGroupNotified:
    """The Kafka form of escalation_body: a group of the one alert that climbed."""
    labels = {"fingerprint": alert["fingerprint"]}
    return AlertGroupNotified(
        notification_id=notification_id, subscription_id=sub["id"], subscription_name=sub["name"],
        change="escalated", status="firing", group_key=alert["fingerprint"], group_labels=labels, count=1,
        counts={"firing": 1}, link=grouping.link(labels), alerts=[_grouped(alert, "firing")],
        escalation=GroupEscalation(policy_id=policy["id"], policy_name=policy["name"], level=level,
                                   round=round_ + 1),
        notified_at=at)
