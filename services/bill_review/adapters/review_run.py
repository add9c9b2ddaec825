"""A run's writes: suspects upserted from the hits (decided ones untouched), open suspects that no
longer fire removed, the units marked reviewed, and per-unit results for the events. Never commits."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.bill_ingest import raw_connection
from services.bill_review.adapters.rule_sql import HITS, screen_sql


async def lock_period(session: AsyncSession, period: str) -> None:
    """Imports and runs of one period take turns (a run must see a whole file or none of it)."""
    conn = await raw_connection(session)
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))", f"review:{period}")


async def screen(session: AsyncSession, period: str, previous: str, units: list[str] | None,
                 rules: dict[str, dict[str, Any]], version: int, now: datetime) -> None:
    conn = await raw_connection(session)
    # The previous month's bills are hashed per customer once, in memory: not in batches spilled to disk,
    # and not once more in every parallel worker (each would build the whole hash again).
    await conn.execute("SET LOCAL work_mem = '256MB'; SET LOCAL max_parallel_workers_per_gather = 0")
    # Last month's bills need summing per customer unless every unit's file had each customer once and none
    # of another unit's (a unit imported before migration 0020 is not known: summed). Last month's imports
    # wait for this run (locks are taken newest period first), so the answer holds for the statement below.
    await lock_period(session, previous)
    once = await conn.fetchval("SELECT coalesce(bool_and(coalesce(customers_unique, false)), true) FROM review_units"
                               " WHERE period = $1", previous)
    sql, thresholds = screen_sql(rules, scoped=units is not None, summed=not once)
    await conn.execute(sql, period, previous, *([units] if units is not None else []), *thresholds)
    scope = " AND unit = ANY($2::text[])" if units is not None else ""
    scope_args = [units] if units is not None else []
    await conn.execute(
        f"DELETE FROM review_suspects s WHERE s.period = $1{scope.replace('unit', 's.unit')} AND s.state = 'open'"
        f" AND NOT EXISTS (SELECT 1 FROM {HITS} h WHERE h.bill_id = s.bill_id AND h.rule = s.rule)",
        period, *scope_args)
    await conn.execute(
        "INSERT INTO review_suspects (period, bill_id, rule, unit, customer_no, severity, message, state,"
        " rule_set_version, raised_at)"
        f" SELECT $1, bill_id, rule, unit, customer_no, severity, message, 'open', $2, $3 FROM {HITS}"
        " ON CONFLICT (period, bill_id, rule) DO UPDATE SET unit = excluded.unit,"
        " customer_no = excluded.customer_no, severity = excluded.severity, message = excluded.message,"
        " rule_set_version = excluded.rule_set_version"
        " WHERE review_suspects.state = 'open'", period, version, now)
    await conn.execute(
        f"UPDATE review_units SET reviewed_at = $2, rule_set_version = $3 WHERE period = $1{scope.replace('$2', '$4')}",
        period, now, version, *scope_args)


async def unit_results(session: AsyncSession, period: str, units: list[str] | None) -> list[dict[str, Any]]:
    """Per unit of the run: bills, hits (total, by rule, distinct bills) and the suspects' states now."""
    conn = await raw_connection(session)
    scope = " AND u.unit = ANY($2::text[])" if units is not None else ""
    rows = await conn.fetch(
        "WITH r AS (SELECT unit, rule, count(*) AS n FROM " + HITS + " GROUP BY unit, rule),"
        " h AS (SELECT unit, jsonb_object_agg(rule, n) AS by_rule, sum(n)::int AS suspects FROM r GROUP BY unit),"
        " hb AS (SELECT unit, count(DISTINCT bill_id)::int AS bills FROM " + HITS + " GROUP BY unit),"
        " st AS (SELECT unit, count(*) FILTER (WHERE state = 'open')::int AS open,"
        "  count(*) FILTER (WHERE state = 'confirmed')::int AS confirmed,"
        "  count(*) FILTER (WHERE state = 'cleared')::int AS cleared FROM review_suspects WHERE period = $1"
        "  GROUP BY unit)"
        " SELECT u.unit, u.bills, coalesce(h.by_rule, '{}'::jsonb) AS by_rule, coalesce(h.suspects, 0) AS suspects,"
        " coalesce(hb.bills, 0) AS suspect_bills, coalesce(st.open, 0) AS open,"
        " coalesce(st.confirmed, 0) AS confirmed, coalesce(st.cleared, 0) AS cleared"
        " FROM review_units u LEFT JOIN h ON h.unit = u.unit LEFT JOIN hb ON hb.unit = u.unit"
        f" LEFT JOIN st ON st.unit = u.unit WHERE u.period = $1{scope} ORDER BY u.unit",
        period, *([units] if units is not None else []))
    return [{**dict(r), "by_rule": _json(r["by_rule"])} for r in rows]


def _json(value: Any) -> Any:
    # The session's connection decodes json itself (SQLAlchemy installs a codec); a bare one would not.
    return json.loads(value) if isinstance(value, str | bytes) else value


async def drop_hits(session: AsyncSession) -> None:
    conn = await raw_connection(session)
    await conn.execute(f"DROP TABLE {HITS}")


async def add_run(session: AsyncSession, run_id: uuid.UUID, period: str, scope: list[str] | None, version: int,
                  result: dict[str, Any], by: str, now: datetime, idempotency_key: str | None) -> bool:
    """False when another request with the same idempotency key stored its run first."""
    conn = await raw_connection(session)
    status = await conn.execute(
        "INSERT INTO review_runs (id, period, scope, rule_set_version, result, run_by, run_at, idempotency_key)"
        " VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING",
        run_id, period, json.dumps(scope) if scope is not None else None, version, json.dumps(result), by, now,
        idempotency_key)
    return status.endswith(" 1")


async def run_by_key(session: AsyncSession, key: str) -> dict[str, Any] | None:
    conn = await raw_connection(session)
    row = await conn.fetchrow("SELECT result FROM review_runs WHERE idempotency_key = $1", key)
    return _json(row["result"]) if row else None
