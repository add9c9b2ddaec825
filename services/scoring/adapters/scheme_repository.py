"""Stored schemes (as given, JSONB). Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import schemes


async def add(session: AsyncSession, doc: dict[str, Any], now: datetime) -> bool:
    """False when a scheme with the same code exists already."""
    stmt = insert(schemes).values(code=doc["code"], name=doc["name"], effective_from=doc["effective_from"],
                                  definition=doc, created_at=now)
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["code"]).returning(schemes.c.id))
    return result.first() is not None


async def all_documents(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.execute(select(schemes.c.definition).order_by(schemes.c.effective_from,
                                                                        schemes.c.id))).all()
    return [r.definition for r in rows]


async def get_document(session: AsyncSession, code: str) -> dict[str, Any] | None:
    row = (await session.execute(select(schemes.c.definition).where(schemes.c.code == code))).first()
    return row.definition if row else None


async def document_in_force(session: AsyncSession, period: str) -> dict[str, Any] | None:
    row = (await session.execute(
        select(schemes.c.definition).where(schemes.c.effective_from <= period)
        .order_by(schemes.c.effective_from.desc(), schemes.c.id.desc()).limit(1))).first()
    return row.definition if row else None
