"""Reads and writes of audit_link's errors. Never commits: the unit of work does."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import errors
from services.audit_link.domain.errors import BillingError


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
