"""The bodies of notifications: a group's (firing, repeat, resolved) and an escalation's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from services.alerts.domain import grouping


def alert_json(a: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    return {
        "id": str(a["id"]), "fingerprint": a["fingerprint"], "type": a["type"], "unit": a["unit"],
        "severity": a["severity"], "state": a["state"], "status": status or a["state"], "summary": a["summary"],
        "labels": a["labels"], "first_seen": a["first_seen"].isoformat(), "last_seen": a["last_seen"].isoformat(),
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
