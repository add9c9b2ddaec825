"""The bulletin's bill review section (电费发行前审核, issue 15): per rule, the month's suspects raised,
confirmed, cleared and open with the share confirmed; the errors registered later for reviewed bills
that no rule flagged (misses); which stations are ready to release.

Read from bill_review's API (/review/rules for the rules' Chinese names, /review/effectiveness,
/review/{period}/readiness), never its tables. A month without any review is "no data" (None), not zeros.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Get = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class RuleFigures:
    rule: str
    title: str  # the rule's Chinese name, as bill_review gives it
    raised: int
    confirmed: int
    cleared: int
    open: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.cleared

    @property
    def confirmed_share(self) -> float | None:
        """confirmed / decided; None while nothing is decided."""
        return self.confirmed / self.decided if self.decided else None


@dataclass(frozen=True)
class UnitReadiness:
    unit: str
    name: str
    bills: int
    open: int
    confirmed: int
    cleared: int
    reviewed: bool
    ready: bool


@dataclass(frozen=True)
class ReviewSection:
    rules: tuple[RuleFigures, ...]  # every rule of the rule set, in its order (0 = reviewed, none raised)
    errors: int  # errors registered for customers with a reviewed bill: what misses are based on
    from_review: int  # of them, registered from a confirmed suspect
    misses: int  # of them, on bills no rule flagged
    units: tuple[UnitReadiness, ...]  # stations with bills this month
    stations_without_bills: int  # visible stations that sent no bill file for the month

    @property
    def bills(self) -> int:
        return sum(u.bills for u in self.units)

    @property
    def ready(self) -> int:
        return sum(u.ready for u in self.units)

    @property
    def not_ready(self) -> tuple[UnitReadiness, ...]:
        return tuple(u for u in self.units if not u.ready)

    @property
    def total(self) -> RuleFigures:
        return RuleFigures("", "合计", *(sum(getattr(r, k) for r in self.rules)
                                        for k in ("raised", "confirmed", "cleared", "open")))


def _sum_rules(bodies: Sequence[Mapping[str, Any]], period: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for body in bodies:
        for i in body["items"]:
            if i["period"] == period:
                acc = out.setdefault(i["rule"], {"raised": 0, "confirmed": 0, "cleared": 0, "open": 0})
                for k in acc:
                    acc[k] += i[k]
    return out


async def gather(get: Get, period: str, units: Sequence[Mapping[str, Any]], roots: Sequence[Mapping[str, Any]],
                 visible: Callable[[str], bool]) -> ReviewSection | None:
    """`get(path, **params)` reads bill_review; `roots` are the caller's top units (effectiveness is asked
    once per root, for its subtree). None when no visible unit was reviewed this month."""
    rule_set = await get("/review/rules", period=period, allow_404=True)
    bodies = [await get("/review/effectiveness", first=period, unit=r["code"]) for r in roots] or [
        await get("/review/effectiveness", first=period)]
    months = [p for body in bodies for p in body["periods"] if p["period"] == period]
    if not months:
        return None
    readiness = await get(f"/review/{period}/readiness")
    names = {u["code"]: u["name"] for u in units}
    titles: dict[str, str] = (rule_set or {}).get("titles") or {}
    counts = _sum_rules(bodies, period)
    order = list(titles) + sorted(r for r in counts if r not in titles)
    zero = {"raised": 0, "confirmed": 0, "cleared": 0, "open": 0}
    rows = tuple(RuleFigures(rule, titles.get(rule, rule), **counts.get(rule, zero)) for rule in order)
    mine = [u for u in readiness["items"] if visible(u["unit"])]
    return ReviewSection(
        rules=rows, errors=sum(p["errors"] for p in months), from_review=sum(p["from_review"] for p in months),
        misses=sum(p["misses"] for p in months),
        units=tuple(UnitReadiness(u["unit"], names.get(u["unit"], u["unit"]), u["bills"], u["open"], u["confirmed"],
                                  u["cleared"], u["reviewed_at"] is not None, u["ready"])
                    for u in sorted(mine, key=lambda u: u["unit"])),
        stations_without_bills=sum(visible(u) for u in readiness["not_imported"]))
