"""Loader steps for audit_link and alerts: errors, tickets, subscriptions, silences, acknowledgements,
customer credit and payment channels."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.demo import customers as credit_files
from services.demo import errors as error_plan
from services.demo import tickets as ticket_plan
from services.demo.api import Api, DemoLoadError
from services.demo.clock import ShiftableClock
from services.demo.org import Station
from services.demo.periods import add_months
from services.demo.timeline import not_future

ERROR_STEPS = {"reported": (), "root_caused": ("root_cause",), "rectified": ("root_cause", "rectify"),
               "closed": ("root_cause", "rectify", "close")}


def _at(clock: ShiftableClock | None, when: datetime | None) -> None:
    if clock is not None:
        clock.set(None if when is None else not_future(when))


async def report_error(api: Api, planned: error_plan.PlannedError, key: str, clock: ShiftableClock | None,
                       when: datetime) -> dict:
    _at(clock, when)
    return await api.call("POST", "/api/v1/errors", role="audit_center", json=planned.body,
                          headers={"Idempotency-Key": key})


async def settle_error(api: Api, error: dict, fate: str, rng: random.Random, clock: ShiftableClock | None) -> None:
    facts = error_plan.closing_facts(rng, error["level"])
    reported = datetime.fromisoformat(error["reported_at"])
    for n, action in enumerate(ERROR_STEPS[fate], start=1):
        _at(clock, reported + timedelta(days=2 * n))
        body = {"action": action, **({"root_cause": facts["root_cause"]} if action == "root_cause" else {}),
                **({"prevention_measure": facts["prevention_measure"]} if action == "rectify" else {}),
                **({"accountability_decision": facts["accountability_decision"]} if action == "close" else {})}
        await api.call("POST", f"/api/v1/errors/{error['id']}/transitions", role="audit_center", json=body)


async def walk_ticket(api: Api, ticket_id: str, walk: Sequence[str], raised: datetime | None,
                      clock: ShiftableClock | None) -> None:
    for action in walk:
        if raised is not None:
            _at(clock, raised + timedelta(hours=ticket_plan.HOURS_AFTER[action]))
        await api.call("POST", f"/api/v1/tickets/{ticket_id}/transitions", role=ticket_plan.ROLE_OF[action],
                       json={"action": action, **ticket_plan.FACTS[action]})


async def manual_tickets(api: Api, planned: Sequence[ticket_plan.PlannedTicket], seed: int,
                         clock: ShiftableClock | None, say: Callable[[str], None]) -> int:
    """Raise and walk the tickets by hand; the number raised. A ticket whose deadline falls in a year
    without a working-day calendar is refused by the API (422): it is left out, with a warning."""
    raised_count = 0
    for i, t in enumerate(planned):
        raised = datetime.now(UTC) - timedelta(days=t.days_ago) if clock is not None else None
        _at(clock, raised)
        try:
            ticket = await api.call("POST", "/api/v1/tickets", role="customer_service",
                                    json={"unit": t.unit, "period": t.period, "reason": t.reason, "detail": t.detail},
                                    headers={"Idempotency-Key": f"demo-{seed}-ticket-{i}"})
        except DemoLoadError as exc:
            if exc.status != 422:
                raise
            say(f"demo: ticket for {t.unit} left out: {exc}")
            continue
        await walk_ticket(api, ticket["id"], t.walk, raised, clock)
        raised_count += 1
    _at(clock, None)
    return raised_count


async def all_pages(api: Api, path: str, **params: Any) -> list[dict]:
    items, cursor = [], None
    while True:
        body = await api.call("GET", path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})})
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


async def auto_tickets(api: Api) -> list[dict]:
    return [t for t in await all_pages(api, "/api/v1/tickets") if t["raised_by"] == "m2c/audit-link"]


async def wait_for_auto_tickets(api: Api, period: str, expected_low: int, timeout_s: float = 60.0) -> list[dict]:
    """The automatic tickets, once `expected_low` low-score ones of `period` are in (the other
    proposals of the same ScoresPublished land in the same transaction)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        auto = await auto_tickets(api)
        got = sum(t["reason"] == "low_score" and t["period"] == period for t in auto)
        if got >= expected_low:
            return auto
        if loop.time() > deadline:
            raise DemoLoadError(f"{period}: auto-raised low-score tickets: {got}, expected {expected_low}")
        await asyncio.sleep(0.1)


async def walk_auto_tickets(api: Api, tickets: Sequence[dict], last_period: str, clock: ShiftableClock | None) -> None:
    """Each ticket as far as the age of its month says (older ones closed), step by step from when it
    was raised; all the tickets' steps in time order, so the clock only moves forward."""
    steps = []
    for k, t in enumerate(sorted(tickets, key=lambda t: (t["period"] or "", t["unit"], t["reason"]))):
        age = 0
        while t["period"] and add_months(t["period"], age) < last_period:
            age += 1
        raised = datetime.fromisoformat(t["raised_at"]) if clock is not None else None
        steps += [(raised + timedelta(hours=ticket_plan.HOURS_AFTER[a]) if raised else None, k, n, t["id"], a)
                  for n, a in enumerate(ticket_plan.auto_walk(age, k))]
    for at, _, _, ticket_id, action in sorted(steps, key=lambda s: (s[0] or datetime.min.replace(tzinfo=UTC),
                                                                      s[1], s[2])):
        if at is not None:
            _at(clock, at)
        await api.call("POST", f"/api/v1/tickets/{ticket_id}/transitions", role=ticket_plan.ROLE_OF[action],
                       json={"action": action, **ticket_plan.FACTS[action]})


async def wait_for_escalations(api: Api, timeout_s: float = 30.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        overdue = await all_pages(api, "/api/v1/tickets", overdue="true")
        if all(t["escalation_level"] >= 1 for t in overdue):
            return len(overdue)
        if loop.time() > deadline:
            return sum(t["escalation_level"] >= 1 for t in overdue)
        await asyncio.sleep(0.5)


async def subscriptions(api: Api, seed: int) -> None:
    await api.call("POST", "/api/v1/subscriptions", json={
        "name": "营销稽查中心值班 webhook", "repeat_interval_s": 4 * 3600,
        "match": {"types": ["RecoveryWarningIssued", "TicketEscalated", "ErrorReported", "ScoresPublished"],
                  "min_severity": "critical"},
        "channel": {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": f"demo-webhook-secret-{seed:08d}"},
    })
    await api.call("POST", "/api/v1/subscriptions", json={
        "name": "营销系统告警总线 (Kafka)", "match": {"min_severity": "warning", "unit_prefix": "QY"},
        "channel": {"type": "kafka"},
    })


async def silences(api: Api) -> None:
    now = datetime.now(UTC)
    await api.call("POST", "/api/v1/silences", role="customer_service", json={
        "matchers": [{"name": "unit", "value": "QY-LN(-.*)?", "is_regex": True}],
        "ends_at": (now + timedelta(days=7)).isoformat(), "comment": "连南供电局营销系统割接期间，告警只记录不通知"})
    await api.call("POST", "/api/v1/silences", role="customer_service", json={
        "matchers": [{"name": "level", "value": "1"}],
        "ends_at": (now + timedelta(days=3)).isoformat(), "comment": "一级超期由值班人员电话跟进，暂不推送"})


async def acknowledge_some(api: Api, count: int = 5, timeout_s: float = 20.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    firing: list[dict] = []
    while loop.time() < deadline:
        firing = await all_pages(api, "/api/v1/alerts", state="firing")
        if len(firing) >= count * 2:
            break
        await asyncio.sleep(0.3)
    chosen = sorted(firing, key=lambda a: a["fingerprint"])[::3][:count]
    for alert in chosen:
        await api.call("POST", f"/api/v1/alerts/{alert['id']}/ack", role="customer_service")
    return len(chosen)


async def channels(api: Api, offered: Mapping[str, list[str]], stations: Sequence[Station]) -> None:
    for s in stations:
        await api.call("PUT", f"/api/v1/channels/{s.code}", role="marketing",
                       json={"area_type": s.area_type, "channel_types": offered[s.code]})


async def credit_files_in(api: Api, parts: Sequence[credit_files.CreditFiles]) -> None:
    """Customers, bills and payments, each part's files in order, the parts side by side
    (no grading yet: that is `recompute`, at the real now)."""
    async def upload(files: credit_files.CreditFiles) -> None:
        for kind in ("customers", "bills", "payments"):
            await api.upload(f"/api/v1/credit/import/{kind}", credit_files.chunks(getattr(files, kind)))

    await asyncio.gather(*(upload(files) for files in parts))


async def recompute_credit(api: Api) -> dict:
    return await api.call("POST", "/api/v1/credit/recompute", role="system")
