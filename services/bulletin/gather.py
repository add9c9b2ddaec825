"""Collects a period's bulletin from the services' HTTP APIs (never their tables)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from services.bulletin import headline, model
from services.bulletin import review as review_section
from services.bulletin.labels import ACCOUNTABILITY, CATEGORIES, TICKET_STATES
from services.bulletin.numbers import SHANGHAI, previous_period
from services.bulletin.sources import Sources

API = "/api/v1"
PAGE = 500
MAX_PAGES = 40  # 20 000 rows of one kind is far beyond one bureau-month
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_STATUS_ORDER = {"firing": 0, "suppressed": 1, "acknowledged": 2, "resolved": 3}
_LEVEL_ORDER = {"city": 0, "county": 1, "station": 2}


class SourceError(Exception):
    """A service answered with an unexpected status."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"{response.request.method} {response.request.url.path} → {response.status_code}: "
                         f"{response.text[:300]}")
        self.status = response.status_code


async def _get(client: httpx.AsyncClient, path: str, *, allow_404: bool = False, **params: Any) -> Any:
    r = await client.get(API + path, params={k: v for k, v in params.items() if v is not None})
    if allow_404 and r.status_code == 404:
        return None
    if r.status_code != 200:
        raise SourceError(r)
    return r.json()


FIRST_PERIOD = "1900-01"


async def _none() -> None:
    return None


async def _all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await _get(client, path, limit=PAGE, cursor=cursor, **params)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


def _status(alert: dict) -> str:
    """The alert's status as alerts' API gives it (its one definition of firing); the state when absent."""
    return str(alert.get("status") or alert["state"])


def _in_month(moment: str, period: str) -> bool:
    return datetime.fromisoformat(moment).astimezone(SHANGHAI).strftime("%Y-%m") == period


class Gatherer:
    def __init__(self, sources: Sources, *, visible: Callable[[str], bool], scope: tuple[str, ...],
                 recovery_target: float, top_losses: int, top_alerts: int, concurrency: int, now: datetime):
        self.src, self.visible, self.scope, self.now = sources, visible, scope, now
        self.recovery_target, self.top_losses, self.top_alerts = recovery_target, top_losses, top_alerts
        self._limit = asyncio.Semaphore(concurrency)

    async def bulletin(self, period: str) -> model.Bulletin:
        prev = previous_period(period)
        units, scores, prev_scores, lights, errors, tickets, alerts, alert_counts = await asyncio.gather(
            _all(self.src.scoring, "/org-units"),
            _get(self.src.scoring, "/scores", allow_404=True, period=period),
            # the month before the first a period may name (1900-01) was never scored
            _get(self.src.scoring, "/scores", allow_404=True, period=prev) if prev >= FIRST_PERIOD else _none(),
            _get(self.src.scoring, "/recovery/lights", allow_404=True, period=period),
            _all(self.src.audit_link, "/errors", period=period),
            _all(self.src.audit_link, "/tickets", period=period),
            _all(self.src.alerts, "/alerts"),
            self._alert_counts(),
        )
        names = {u["code"]: u["name"] for u in units}
        levels = {u["code"]: u["level"] for u in units}
        rows = [i for i in (scores or {}).get("items", []) if self.visible(i["unit"])]
        before = {i["unit"]: i["score"] for i in (prev_scores or {}).get("items", [])}
        counties = self._ranking(rows, "county", names, before)
        stations = self._ranking(rows, "station", names, before)
        light_items = {i["unit"]: i for i in (lights or {}).get("items", []) if self.visible(i["unit"])}
        top = await self._top(period, units, rows, light_items, names, scored=scores is not None)
        light_rows = self._lights(light_items, top, names, levels)
        losses = await self._losses(period, stations) if scores else []
        review = await review_section.gather(self._review_get, period, units, headline.top_units(units, self.visible),
                                             self.visible)
        errors = [e for e in errors if self.visible(e["unit"])]
        tickets = [t for t in tickets if self.visible(t["unit"])]
        alerts = [a for a in alerts if self.visible(a["unit"]) and self._about(a, period)]
        ticket_summary = self._tickets(tickets, names)
        by_category = self._tally(errors, "category", list(CATEGORIES))
        by_level = self._tally(errors, "level", list(ACCOUNTABILITY))
        row_lights = {r["unit"]: r.get("light") for r in rows}

        def light_of(unit: str) -> str | None:
            item = light_items.get(unit)
            return item["light"] if item else row_lights.get(unit)

        by_level_lights = headline.level_lights(units, self.visible, {t.unit for t in top}, light_of)
        staged = next((r for r in rows if r["level"] == "station"), rows[0] if rows else None)
        return model.Bulletin(
            period=period, previous_period=prev, generated_at=self.now, scope=self.scope,
            revision=scores["revision"] if scores else None, scheme=scores["scheme"] if scores else None,
            stage_names=tuple(s["name"] or s["code"] for s in staged["stages"]) if staged else (),
            headline=self._headline(top, by_level_lights, stations, errors, ticket_summary, alert_counts),
            counties=tuple(counties), stations=tuple(stations), lights=tuple(light_rows),
            losses=tuple(losses), errors_by_category=by_category, errors_by_level=by_level,
            tickets=ticket_summary, alerts=tuple(self._top_alerts(alerts, names)), review=review,
        )

    async def _review_get(self, path: str, *, allow_404: bool = False, **params: Any) -> Any:
        return await _get(self.src.bill_review, path, allow_404=allow_404, **params)

    async def _alert_counts(self) -> model.AlertCounts:
        """告警中 from alerts' summary (the one definition of firing), never counted from alert rows
        here: the whole bureau, or the sum over the reader's subtrees."""
        roots: list[str | None] = [u for u in self.scope
                                   if not any(u != o and u.startswith(o + "-") for o in self.scope)]
        answers = await asyncio.gather(*(_get(self.src.alerts, "/alerts/summary", unit=u) for u in roots or [None]))
        by_severity: Counter = Counter()
        for a in answers:
            by_severity.update(a["firing"]["by_severity"])
        severities = sorted(by_severity, key=lambda k: _SEVERITY_ORDER.get(k, 3))
        return model.AlertCounts(
            firing=sum(a["firing"]["total"] for a in answers),
            suppressed=sum(a["suppressed"]["total"] for a in answers),
            firing_by_severity=tuple((k, by_severity[k]) for k in severities),
            definition=answers[0]["definition_zh"], at=datetime.fromisoformat(answers[0]["at"]))

    async def _top(self, period: str, units: list[dict], rows: list[dict], light_items: dict[str, dict],
                   names: dict[str, str], *, scored: bool) -> list[model.TopUnit]:
        """The caller's top unit(s) with their own score and recovery rate (see headline.py)."""
        by_unit = {r["unit"]: r for r in rows}

        async def one(u: Mapping[str, Any]) -> model.TopUnit:
            row = by_unit.get(u["code"])
            explained = None
            if scored and headline.recovery_of(row, None, None) is None:
                explained = await _get(self.src.scoring, f"/scores/{period}/{u['code']}", allow_404=True)
            light = light_items.get(u["code"])
            recovery = headline.recovery_of(row, explained, light)
            return model.TopUnit(
                unit=u["code"], name=u["name"], level=u["level"], score=(row or {}).get("score"),
                rank=(row or {}).get("rank"), status=(row or {}).get("status"),
                missing=tuple(names.get(m, m) for m in (row or {}).get("missing") or ()),
                light=light["light"] if light else (row or {}).get("light"),
                recovery_rate=(recovery or {}).get("recovery_rate"), recovery_target=self.recovery_target)

        return list(await asyncio.gather(*(one(u) for u in headline.top_units(units, self.visible))))

    @staticmethod
    def _ranking(rows: list[dict], level: str, names: dict[str, str], before: dict[str, float | None]
                 ) -> list[model.RankedUnit]:
        mine = sorted((r for r in rows if r["level"] == level),
                      key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))
        out = []
        for r in mine:
            old = before.get(r["unit"])
            out.append(model.RankedUnit(
                unit=r["unit"], name=r["name"], parent=r["parent"], parent_name=names.get(r["parent"] or ""),
                score=r["score"], rank=r["rank"], light=r["light"],
                change=None if r["score"] is None or old is None else round(r["score"] - old, 2),
                stages=tuple(s["score"] for s in r["stages"]), status=r.get("status"),
                missing=tuple(names.get(m, m) for m in r.get("missing") or ())))  # units by name
        return out

    @staticmethod
    def _lights(items: dict[str, dict], top: list[model.TopUnit], names: dict[str, str],
                levels: dict[str, str]) -> list[model.LightRow]:
        out = [model.LightRow(unit=u, name=names.get(u, u), level=levels.get(u, "station"), light=i["light"],
                              recovery_rate=i.get("recovery_rate"), previous_years_rate=i.get("previous_years_rate"),
                              arrears_progress=i.get("arrears_progress"))
               for u, i in items.items()]
        # the headlined unit's own light (a roll-up scoring gives with its score) when the list lacks it
        out += [model.LightRow(unit=t.unit, name=t.name, level=t.level, light=t.light,
                               recovery_rate=t.recovery_rate, previous_years_rate=None, arrears_progress=None)
                for t in top if t.unit not in items and t.light is not None]
        return sorted(out, key=lambda r: (_LEVEL_ORDER.get(r.level, 3), r.unit))

    async def _losses(self, period: str, stations: list[model.RankedUnit]) -> list[model.PointLoss]:
        async def explain(unit: str) -> dict | None:
            async with self._limit:
                return await _get(self.src.scoring, f"/scores/{period}/{unit}", allow_404=True)

        # an incomplete station's losses stand on missing facts: not listed as losses
        explained = await asyncio.gather(*(explain(s.unit) for s in stations
                                           if s.score is not None and not s.incomplete))
        losses = [model.PointLoss(unit=e["unit"], name=e["name"], indicator=i["name"], score=i.get("score"),
                                  points_lost=i["points_lost"])
                  for e in explained if e for i in e.get("indicators", []) if (i.get("points_lost") or 0) > 0]
        losses.sort(key=lambda p: (-p.points_lost, p.unit, p.indicator))
        return losses[:self.top_losses]

    @staticmethod
    def _tally(errors: list[dict], key: str, order: list) -> tuple[model.ErrorTally, ...]:
        counts: Counter = Counter()
        amounts: dict[Any, Decimal] = {}
        for e in errors:
            k = e.get(key)
            counts[k] += 1
            amounts[k] = amounts.get(k, Decimal(0)) + abs(Decimal(str(e["amount"])))
        keys = [k for k in order if k in counts] + sorted((k for k in counts if k not in order), key=str)
        return tuple(model.ErrorTally(k, counts[k], amounts[k]) for k in keys)

    @staticmethod
    def _tickets(tickets: list[dict], names: dict[str, str]) -> model.TicketSummary:
        states = Counter(t["state"] for t in tickets)
        overdue = [t for t in tickets if t["overdue"]]
        rows = tuple(model.TicketRow(unit=t["unit"], name=names.get(t["unit"], t["unit"]), reason=t["reason"],
                                     state=t["state"], escalation_level=t["escalation_level"],
                                     due_at=datetime.fromisoformat(t["due_at"]) if t["due_at"] else None)
                     for t in sorted(overdue, key=lambda t: (-t["escalation_level"], t["due_at"] or "", t["unit"])))
        return model.TicketSummary(opened=len(tickets), closed=states.get("closed", 0), overdue=len(overdue),
                                   by_state=tuple((s, states[s]) for s in TICKET_STATES if states.get(s)),
                                   overdue_items=rows)

    @staticmethod
    def _about(alert: dict, period: str) -> bool:
        """An alert belongs to the month when its `period` label says so; alerts without one (tickets,
        credit risks) when they were seen during the month."""
        labelled = alert.get("labels", {}).get("period")
        if labelled:
            return labelled == period
        return _in_month(alert["last_seen"], period) or _in_month(alert["first_seen"], period)

    def _top_alerts(self, alerts: list[dict], names: dict[str, str]) -> list[model.AlertRow]:
        ranked = sorted(alerts, key=lambda a: (_STATUS_ORDER.get(_status(a), 4), _SEVERITY_ORDER.get(a["severity"], 3),
                                               -a["count"], a["last_seen"]), reverse=False)
        return [model.AlertRow(severity=a["severity"], state=a["state"], status=_status(a), unit=a["unit"],
                               name=names.get(a["unit"], a["unit"]), summary=a["summary"],
                               last_seen=datetime.fromisoformat(a["last_seen"]), count=a["count"])
                for a in ranked[:self.top_alerts]]

    def _headline(self, top: list[model.TopUnit], lights: tuple[model.LevelLights, ...],
                  stations: list[model.RankedUnit], errors: list[dict], tickets: model.TicketSummary,
                  alerts: model.AlertCounts) -> model.Headline:
        return model.Headline(
            top=tuple(top), recovery_target=self.recovery_target,
            stations_ranked=sum(s.score is not None and not s.incomplete for s in stations),
            stations_incomplete=sum(s.incomplete for s in stations), lights=lights, errors=len(errors),
            errors_amount=sum((abs(Decimal(str(e["amount"]))) for e in errors), Decimal(0)),
            tickets_opened=tickets.opened, tickets_overdue=tickets.overdue,
            alerts=alerts)
