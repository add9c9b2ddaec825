"""Reads and writes of audit_link's errors. Never commits: the unit of work does."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import errors
from services.audit_link.domain.errors import BillingError
from shared.db import rowcount
from shared.scope import in_subtree, within


async def add_error(session: AsyncSession, error: BillingError, idempotency_key: str | None) -> bool:
    """Insert; False when a request with the same idempotency key already stored its error."""
    stmt = insert(errors).values(**asdict(error), idempotency_key=idempotency_key)
    if idempotency_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(stmt.returning(errors.c.id))
    return result.first() is not None


def _to_error(row) -> BillingError:
    fields = set(BillingError.__dataclass_fields__)
    return BillingError(**{k: v for k, v in row._mapping.items() if k in fields})


async def get_error(session: AsyncSession, error_id: uuid.UUID) -> BillingError | None:
    row = (await session.execute(select(errors).where(errors.c.id == error_id))).first()
    return _to_error(row) if row else None


async def get_by_idempotency_key(session: AsyncSession, key: str) -> BillingError | None:
    row = (await session.execute(select(errors).where(errors.c.idempotency_key == key))).first()
    return _to_error(row) if row else None


async def lock_unit_category(session: AsyncSession, unit: str, category: str) -> None:
    """Serialise gradings of one unit and category (the repetition count must see every earlier one)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 3))"),
                          {"k": f"audit-errors:{unit}:{category}"})


async def count_in_window(session: AsyncSession, unit: str, category: str, first_period: str,
                          last_period: str) -> int:
    stmt = select(func.count()).select_from(errors).where(
        errors.c.unit == unit, errors.c.category == category,
        errors.c.period >= first_period, errors.c.period <= last_period,
    )
    return (await session.execute(stmt)).scalar_one()


async def save_error(session: AsyncSession, error: BillingError, expected_version: int) -> bool:
    """Write the lifecycle fields; False when someone else changed the error first."""
    values = {k: v for k, v in asdict(error).items()
              if k in ("state", "root_cause", "prevention_measure", "accountability_decision", "closed_by",
                       "closed_at", "version")}
    result = await session.execute(
        update(errors).where(errors.c.id == error.id, errors.c.version == expected_version).values(**values)
    )
    return rowcount(result) == 1


async def list_errors(session: AsyncSession, *, scope: tuple[str, ...] | None, unit: str | None,
                      period: str | None, category: str | None, level: str | None, state: str | None,
                      after: int | None, limit: int) -> list[tuple[int, BillingError]]:
    stmt = select(errors).order_by(errors.c.seq).limit(limit)
    stmt = subtree(stmt, errors.c.unit, unit, scope)
    for column, value in ((errors.c.period, period), (errors.c.category, category), (errors.c.level, level),
                          (errors.c.state, state)):
        if value is not None:
            stmt = stmt.where(column == value)
    if after is not None:
        stmt = stmt.where(errors.c.seq > after)
    return [(row.seq, _to_error(row)) for row in (await session.execute(stmt))]


def subtree(stmt, column, unit: str | None, scope: tuple[str, ...] | None):
    """Rows of `unit` and below it, within the caller's scope (the one rule of shared/scope.py)."""
    if unit is not None:
        stmt = stmt.where(in_subtree(column, unit))
    return stmt.where(within(column, scope))
