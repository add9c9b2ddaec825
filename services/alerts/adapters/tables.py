"""alerts' tables (prefix alerts_)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Table, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

alerts = Table(
    "alerts_alerts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("fingerprint", Text, nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("labels", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("count", Integer, nullable=False),
    Column("source_event_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Index("ix_alerts_alerts_state_severity", "state", "severity"),
    Index("ix_alerts_alerts_unit", "unit"),
)
