"""The platform's idempotency keys (`m2c_idempotency_keys`), one table for every service."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, PrimaryKeyConstraint, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

idempotency_keys = Table(
    "m2c_idempotency_keys",
    metadata,
    Column("caller", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Integer),  # NULL while the first request's outcome is not stored yet
    Column("body", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("caller", "method", "route", "key", name="pk_m2c_idempotency_keys"),
    Index("ix_m2c_idempotency_keys_created_at", "created_at"),
)
