"""Idempotency keys per caller, method and route, with the request hash and the stored answer (issue 11.2).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "m2c_idempotency_keys",
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("route", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("body", postgresql.JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "method", "route", "key", name="pk_m2c_idempotency_keys"),
    )
    op.create_index("ix_m2c_idempotency_keys_created_at", "m2c_idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_m2c_idempotency_keys_created_at", table_name="m2c_idempotency_keys")
    op.drop_table("m2c_idempotency_keys")
