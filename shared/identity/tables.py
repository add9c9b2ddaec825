"""The platform's identity tables (`m2c_`): every service reads them to know who is calling."""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, Boolean, Column, DateTime, Identity, Index, Integer, Table, Text, Uuid, text

from shared.db import metadata

TS = DateTime(timezone=True)

users = Table(
    "m2c_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id, PHC string
    Column("roles", ARRAY(Text), nullable=False),
    Column("units", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# A signed-in browser: the cookie carries a random token; only its SHA-256 is stored.
sessions = Table(
    "m2c_sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("revoked_at", TS),
    Column("address", Text),
    Index("ix_m2c_sessions_user_id", "user_id"),
)

# Keys of integrating systems: `m2ck_<prefix>_<secret>`; the prefix finds the row, the hash checks it.
api_keys = Table(
    "m2c_api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("prefix", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("units", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS),
    Column("last_used_at", TS),
)

signin_failures = Table(
    "m2c_signin_failures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("at", TS, nullable=False),
    Index("ix_m2c_signin_failures_name", "name", "at"),
    Index("ix_m2c_signin_failures_address", "address", "at"),
)

audit_trail = Table(
    "m2c_audit_trail",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", TS, nullable=False),
    Column("actor", Text, nullable=False),  # user:NAME, apikey:NAME or the JWT's subject
    Column("roles", ARRAY(Text), nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text),
    Column("status", Integer, nullable=False),
    Column("address", Text),
    Column("user_agent", Text),
    Column("correlation_id", Text),
    Index("ix_m2c_audit_trail_at", "at"),
    Index("ix_m2c_audit_trail_path", "path", "at"),
)
