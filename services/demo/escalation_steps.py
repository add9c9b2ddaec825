"""Loader step for escalation policies (issue 16): who hears of an alert nobody acknowledges.

Written before the history, so the alerts of the demo year climb them: the county offices' own
webhooks and the city's Kafka bus (the default ticket policy of migration 0017 reaches both by
org level), an accountability-error policy and a red-recovery-light policy. The severity split the
demo shows comes from alerts' severity rules (per-customer arrears are warnings unless large, ≥ ¥50 000
or, the demo bureau's own rule, three months unpaid): GET /api/v1/alerts/summary.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.demo.api import Api

HOOK = "http://127.0.0.1:9/hook"  # nobody listens in the demo: deliveries are logged and retried


async def _subscription(api: Api, seed: int, name: str, match: dict) -> str:
    body = await api.call("POST", "/api/v1/subscriptions", json={
        "name": name, "match": match, "group_interval_s": 3600,
        "channel": {"type": "webhook", "url": HOOK, "secret": f"demo-escalation-secret-{seed:08d}"}})
    return str(body["id"])


LONG_OVERDUE = {"name": "欠费满三个月", "type": "ArrearsRiskDetected", "severity": "critical",
                "conditions": [{"label": "months_overdue", "op": ">=", "value": "3"}]}


async def severity_rules(api: Api) -> None:
    """The bureau's own calibration on top of the defaults (an edit, as an operator would make it):
    three months unpaid — the point where a customer's grade is forced to C — is critical too; the
    catch-all warning stays last. So the demo's arrears risks split into a few critical and many
    warnings, instead of every grade-C customer being critical."""
    doc = await api.call("GET", "/api/v1/alerts/severity-rules")
    rules = [{k: r[k] for k in ("name", "type", "conditions", "severity")} for r in doc["rules"]]
    if any(r["name"] == LONG_OVERDUE["name"] for r in rules):
        return
    catch_all = next((i for i, r in enumerate(rules) if r["type"] == LONG_OVERDUE["type"] and not r["conditions"]),
                     len(rules))
    rules.insert(catch_all, LONG_OVERDUE)
    await api.call("PUT", "/api/v1/alerts/severity-rules", json={"rules": rules})


async def escalation_policies(api: Api, seed: int, counties: Sequence[tuple[str, str]]) -> list[dict]:
    """County offices' subscriptions (they hear of their own critical alerts, and of overdue tickets
    by the default ticket policy), the audit centre's and the marketing director's, and two policies."""
    for code, name in counties:
        await _subscription(api, seed, f"{name}营销部", {"unit_prefix": code, "min_severity": "critical"})
    audit = await _subscription(api, seed, "稽核中心值班", {"types": ["ErrorReported"], "min_severity": "critical"})
    director = await _subscription(api, seed, "营销部主任", {"types": ["ScoresPublished"], "min_severity": "critical"})
    policies = [
        {"name": "差错问责升级", "types": ["ErrorReported"], "repeat_cap": 2,
         "levels": [{"after_working_hours": 4, "subscription_ids": [audit]},
                    {"after_working_hours": 8, "subscription_ids": [director], "org_levels_up": 2}]},
        {"name": "回收率红灯升级", "types": ["RecoveryWarningIssued"], "repeat_cap": 1,
         "levels": [{"after_working_hours": 8, "subscription_ids": [], "org_levels_up": 1},
                    {"after_working_hours": 16, "subscription_ids": [director]}]},
    ]
    await severity_rules(api)
    return [await api.call("POST", "/api/v1/escalation-policies", json=p) for p in policies]
