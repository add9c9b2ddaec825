"""Set-based reads and writes of alerts for a consumed batch (one statement for many). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
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


async def insert_alerts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New alerts, in the order given (their seq follows it)."""
    if rows:
        await session.execute(insert(alerts), list(rows))


_UPDATE = update(alerts).where(alerts.c.id == bindparam("_id"))


async def update_alerts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Alerts' new values (each row has the same keys plus `id`)."""
    if not rows:
        return
    # executemany: the SET clause is the rows' keys (the id goes by another name, in the WHERE)
    await session.execute(_UPDATE, [{("_id" if k == "id" else k): v for k, v in row.items()} for row in rows])


async def insert_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """History rows, in the order given."""
    if rows:
        await session.execute(insert(history), list(rows))


async def silences_ending_after(session: AsyncSession, at: datetime) -> list[Silence]:
    """Silences not deleted that are still on at `at` or start later (each one's window is checked
    where it is used): active_silences for every time of a batch from `at` on."""
    rows = await session.execute(select(silences).where(silences.c.deleted_at.is_(None), silences.c.ends_at > at))
    return [_to_silence(r) for r in rows.mappings()]


async def rule_documents(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """The rules of every kind (severity, inhibition) in one statement; a kind never stored has none."""
    rows = await session.execute(select(rule_sets.c.kind, rule_sets.c.rules))
    return {kind: rules for kind, rules in rows.all()}
