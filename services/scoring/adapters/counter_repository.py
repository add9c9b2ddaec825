"""Counters per (period, unit, counter, source). The effective value: the imported sources
(`reported`, `raw:<kind>`) add up; the other services' registers (`events`: the error register's
bills_erroneous; `review`: bill review's counters) and the imported value are two views of the same
things, so the larger of the two counts (docs/scoring.md: never their sum). A counter with no row
was never reported."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import counters, fact_batches

REPORTED = "reported"
EVENTS = "events"
REVIEW = "review"
REGISTERS = (EVENTS, REVIEW)  # sources fed by other services' events: a view besides the imported one


async def claim_batch(session: AsyncSession, batch_id: str, period: str, rows: int, now: datetime) -> bool:
    """False when the batch was applied before (idempotency by batch_id)."""
    stmt = insert(fact_batches).values(batch_id=batch_id, period=period, rows=rows, received_at=now)
    result = await session.execute(stmt.on_conflict_do_nothing().returning(fact_batches.c.batch_id))
    return result.first() is not None


async def put_reported(session: AsyncSession, period: str, rows: Mapping[str, Mapping[str, int]],
                       now: datetime) -> None:
    values = [{"period": period, "unit": unit, "counter": c, "source": REPORTED, "value": v, "updated_at": now}
              for unit, cs in rows.items() for c, v in cs.items()]
    if not values:
        return
    stmt = insert(counters).values(values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["period", "unit", "counter", "source"],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}))


async def increment(session: AsyncSession, period: str, unit: str, counter: str, by: int, source: str,
                    now: datetime) -> None:
    stmt = insert(counters).values(period=period, unit=unit, counter=counter, source=source, value=by,
                                   updated_at=now)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["period", "unit", "counter", "source"],
        set_={"value": counters.c.value + stmt.excluded.value, "updated_at": stmt.excluded.updated_at}))


async def set_values(session: AsyncSession, period: str, unit: str, values: Mapping[str, int], source: str,
                     now: datetime) -> None:
    """Set (not add) the unit's counters of `source` from a snapshot taken at `now`; a counter changed
    after that (a later snapshot or decision) keeps its value: an older snapshot replayed is stale."""
    rows = [{"period": period, "unit": unit, "counter": c, "source": source, "value": v, "updated_at": now}
            for c, v in values.items()]
    stmt = insert(counters).values(rows)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["period", "unit", "counter", "source"],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        where=counters.c.updated_at <= stmt.excluded.updated_at))


async def adjust_existing(session: AsyncSession, period: str, unit: str, changes: Mapping[str, int], source: str,
                          now: datetime) -> bool:
    """Add `changes` to counters of `source` that exist already (never creates one; never below 0);
    False when the unit has none of them for the period."""
    changed = False
    for counter, by in changes.items():
        result = await session.execute(
            update(counters).where(counters.c.period == period, counters.c.unit == unit,
                                   counters.c.counter == counter, counters.c.source == source)
            .values(value=func.greatest(counters.c.value + by, 0), updated_at=now).returning(counters.c.counter))
        changed = result.first() is not None or changed
    return changed


async def effective(session: AsyncSession, period: str) -> dict[str, dict[str, int]]:
    """unit → counter → effective value for the period: max(Σ imported sources, events); counters
    never reported are absent (not 0)."""
    imported = func.coalesce(func.sum(counters.c.value).filter(counters.c.source.not_in(REGISTERS)), 0)
    registered = func.coalesce(func.sum(counters.c.value).filter(counters.c.source.in_(REGISTERS)), 0)
    rows = (await session.execute(
        select(counters.c.unit, counters.c.counter, func.greatest(imported, registered).label("value"))
        .where(counters.c.period == period).group_by(counters.c.unit, counters.c.counter))).all()
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[r.unit][r.counter] = int(r.value)
    return dict(out)
