"""Set-based reads and writes of alerts for a consumed batch (one statement for many). Never commits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.repository import _to_silence
from services.alerts.adapters.tables import alerts, history, rule_sets, silences
from services.alerts.domain.silences import Silence

# Sorted by lock key (in a subquery, so the locks are taken in that order): two consumers locking
# overlapping batches queue behind each other instead of deadlocking.
_LOCK_MANY = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT hashtextextended(f, 0) AS k"
    " FROM unnest(CAST(:fps AS text[])) AS f ORDER BY 1 OFFSET 0) AS keys"
)
_BY_FINGERPRINTS = text("SELECT * FROM alerts_alerts WHERE fingerprint = ANY(CAST(:fps AS text[])) FOR UPDATE")
_GROUPED = text("SELECT DISTINCT alert_id FROM alerts_group_members WHERE alert_id = ANY(CAST(:ids AS uuid[]))")
_ESCALATING = text("SELECT DISTINCT alert_id FROM alerts_escalations"
                   " WHERE alert_id = ANY(CAST(:ids AS uuid[])) AND stopped_at IS NULL")


async def lock_fingerprints(session: AsyncSession, fingerprints: Sequence[str]) -> None:
    """lock_fingerprint for many at once (the same advisory locks, held to the end of the transaction)."""
    if fingerprints:
        await session.execute(_LOCK_MANY, {"fps": sorted(set(fingerprints))})


async def alerts_by_fingerprints(session: AsyncSession, fingerprints: Sequence[str]) -> list[dict[str, Any]]:
    """The alerts of these fingerprints that exist, rows locked FOR UPDATE (with inhibited_by)."""
    if not fingerprints:
        return []
    return [dict(r) for r in (await session.execute(_BY_FINGERPRINTS, {"fps": list(fingerprints)})).mappings()]


async def grouped(session: AsyncSession, alert_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these alerts are members of a notification group."""
    if not alert_ids:
        return set()
    return set((await session.execute(_GROUPED, {"ids": list(alert_ids)})).scalars())


async def escalating(session: AsyncSession, alert_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these alerts climb an escalation policy that has not stopped."""
    if not alert_ids:
        return set()
    return set((await session.execute(_ESCALATING, {"ids": list(alert_ids)})).scalars())


# --- writes over arrays: one statement and one round trip for the batch, whatever its size ----
# (an executemany sends a Bind/Execute per row and PostgreSQL runs the statement once per row)


def _pg_type(column: Column[Any]) -> str:
    return column.type.compile(dialect=postgresql.dialect())


def _arrays(table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    """Per column: `CAST(:cN AS type[])` (JSONB goes as text and is cast after unnest) and its list."""
    casts, params = [], {}
    for n, name in enumerate(columns):
        column = table.c[name]
        json_column = isinstance(column.type, JSONB)
        casts.append(f"CAST(:c{n} AS {'TEXT' if json_column else _pg_type(column)}[])")
        values = [row[name] for row in rows]
        params[f"c{n}"] = [json.dumps(v) for v in values] if json_column else values  # None: JSON null, as SQLAlchemy
    return casts, params


def _selected(table: Table, columns: Sequence[str]) -> str:
    return ", ".join(f"v.c{n}::jsonb" if isinstance(table.c[name].type, JSONB) else f"v.c{n}"
                     for n, name in enumerate(columns))


async def _insert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT … SELECT FROM unnest(arrays) in the order given (identity columns follow it)."""
    if not rows:
        return
    columns = list(rows[0])
    casts, params = _arrays(table, columns, rows)
    names = ", ".join(f"c{n}" for n in range(len(columns)))
    await session.execute(text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {_selected(table, columns)}"
        f" FROM unnest({', '.join(casts)}) WITH ORDINALITY AS v({names}, position) ORDER BY v.position"), params)


async def insert_alerts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New alerts, in the order given (their seq follows it)."""
    await _insert_many(session, alerts, rows)


async def update_alerts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Alerts' new values (each row has the same keys plus `id`)."""
    if not rows:
        return
    columns = ["id", *(k for k in rows[0] if k != "id")]
    casts, params = _arrays(alerts, columns, rows)
    names = ", ".join(f"c{n}" for n in range(len(columns)))
    values = _selected(alerts, columns).split(", ")
    assignments = ", ".join(f"{name} = {value}" for name, value in zip(columns[1:], values[1:], strict=True))
    # An id appears once per batch (the store keeps one row per alert); sorted, the row locks are
    # taken in one order (they are held already: the batch read its alerts FOR UPDATE).
    await session.execute(text(
        f"UPDATE alerts_alerts AS a SET {assignments}"
        f" FROM (SELECT * FROM unnest({', '.join(casts)}) AS u({names}) ORDER BY 1) AS v"
        " WHERE a.id = v.c0"), params)


async def insert_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """History rows, in the order given."""
    await _insert_many(session, history, rows)


async def silences_ending_after(session: AsyncSession, at: datetime) -> list[Silence]:
    """Silences not deleted that are still on at `at` or start later (each one's window is checked
    where it is used): active_silences for every time of a batch from `at` on."""
    rows = await session.execute(select(silences).where(silences.c.deleted_at.is_(None), silences.c.ends_at > at))
    return [_to_silence(r) for r in rows.mappings()]


async def rule_documents(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """The rules of every kind (severity, inhibition) in one statement; a kind never stored has none."""
    rows = await session.execute(select(rule_sets.c.kind, rule_sets.c.rules))
    return {kind: rules for kind, rules in rows.all()}
