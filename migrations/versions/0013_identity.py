"""identity: accounts, sessions, API keys, sign-in failures and the audit trail (m2c_ platform tables).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
TEXTS = postgresql.ARRAY(sa.Text)
NO_UNITS = sa.text("'{}'::text[]")


def upgrade() -> None:
    op.create_table(
        "m2c_users",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("roles", TEXTS, nullable=False),
        sa.Column("units", TEXTS, nullable=False, server_default=NO_UNITS),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_m2c_users"),
        sa.UniqueConstraint("name", name="uq_m2c_users_name"),
    )
    op.create_table(
        "m2c_sessions",
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("address", sa.Text),
        sa.PrimaryKeyConstraint("token_hash", name="pk_m2c_sessions"),
    )
    op.create_index("ix_m2c_sessions_user_id", "m2c_sessions", ["user_id"])
    op.create_table(
        "m2c_api_keys",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("key_hash", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("roles", TEXTS, nullable=False),
        sa.Column("units", TEXTS, nullable=False, server_default=NO_UNITS),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("last_used_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_m2c_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_m2c_api_keys_prefix"),
    )
    op.create_table(
        "m2c_signin_failures",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_m2c_signin_failures"),
    )
    op.create_index("ix_m2c_signin_failures_name", "m2c_signin_failures", ["name", "at"])
    op.create_index("ix_m2c_signin_failures_address", "m2c_signin_failures", ["address", "at"])
    op.create_table(
        "m2c_audit_trail",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("roles", TEXTS, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("correlation_id", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_m2c_audit_trail"),
    )
    op.create_index("ix_m2c_audit_trail_at", "m2c_audit_trail", ["at"])
    op.create_index("ix_m2c_audit_trail_path", "m2c_audit_trail", ["path", "at"])


def downgrade() -> None:
    for table in ("m2c_audit_trail", "m2c_signin_failures", "m2c_api_keys", "m2c_sessions", "m2c_users"):
        op.drop_table(table)
