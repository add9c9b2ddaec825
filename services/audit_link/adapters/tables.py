"""audit_link's tables (prefix audit_)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Numeric, Table, Text, Uuid

from shared.db import metadata

errors = Table(
    "audit_errors",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("unit", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("nature", Text, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("description", Text, nullable=False),
    Column("customer_no", Text),
    Column("reporter", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("idempotency_key", Text, unique=True),
    Index("ix_audit_errors_unit_period", "unit", "period"),
)
