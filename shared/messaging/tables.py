"""The platform's own tables: the transactional outbox and the consumers' inbox."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Table, Text, Uuid, func, text
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

outbox = Table(
    "m2c_outbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("event_type", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("key", Text),
    Column("payload", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    # The relay only ever scans unpublished rows; keep that scan on a small partial index.
    Index("ix_m2c_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
)

inbox = Table(
    "m2c_inbox",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
