"""Platform tables (outbox, inbox) and the thin slice: audit errors, alerts.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "m2c_outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("headers", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_m2c_outbox"),
        sa.UniqueConstraint("event_id", name="uq_m2c_outbox_event_id"),
    )
    op.create_index("ix_m2c_outbox_unpublished", "m2c_outbox", ["id"],
                    postgresql_where=sa.text("published_at IS NULL"))
    op.create_table(
        "m2c_inbox",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("processed_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_m2c_inbox"),
    )
    op.create_table(
        "audit_errors",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("nature", sa.Text, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("customer_no", sa.Text),
        sa.Column("reporter", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("idempotency_key", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_audit_errors"),
        sa.UniqueConstraint("seq", name="uq_audit_errors_seq"),
        sa.UniqueConstraint("idempotency_key", name="uq_audit_errors_idempotency_key"),
    )
    op.create_index("ix_audit_errors_unit_period", "audit_errors", ["unit", "period"])
    op.create_table(
        "alerts_alerts",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("labels", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("source_event_ids", postgresql.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_alerts"),
        sa.UniqueConstraint("seq", name="uq_alerts_alerts_seq"),
        sa.UniqueConstraint("fingerprint", name="uq_alerts_alerts_fingerprint"),
    )
    op.create_index("ix_alerts_alerts_state_severity", "alerts_alerts", ["state", "severity"])
    op.create_index("ix_alerts_alerts_unit", "alerts_alerts", ["unit"])


def downgrade() -> None:
    op.drop_table("alerts_alerts")
    op.drop_table("audit_errors")
    op.drop_table("m2c_inbox")
    op.drop_table("m2c_outbox")
