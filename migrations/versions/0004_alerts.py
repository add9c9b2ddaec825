"""alerts tables (alert history, silences, subscriptions, deliveries, credit, channels).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)
JSONB = postgresql.JSONB


def _json(default: str) -> sa.TextClause:
    return sa.text(f"'{default}'::jsonb")


def upgrade() -> None:
    op.add_column("alerts_alerts", sa.Column("acked_by", sa.Text))
    op.add_column("alerts_alerts", sa.Column("acked_at", TS))
    op.add_column("alerts_alerts", sa.Column("resolved_at", TS))

    op.create_table(
        "alerts_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("event_id", sa.Uuid),
        sa.Column("actor", sa.Text),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("changes", JSONB, nullable=False, server_default=_json("{}")),
        sa.Column("silenced", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_history"),
    )
    op.create_index("ix_alerts_history_alert_id", "alerts_history", ["alert_id"])

    op.create_table(
        "alerts_silences",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("matchers", JSONB, nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_silences"),
    )

    op.create_table(
        "alerts_subscriptions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("types", JSONB, nullable=False, server_default=_json("[]")),
        sa.Column("min_severity", sa.Text, nullable=False),
        sa.Column("unit_prefix", sa.Text),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("secret", sa.Text),
        sa.Column("repeat_interval_s", sa.Integer),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_subscriptions"),
    )

    op.create_table(
        "alerts_deliveries",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_deliveries"),
    )
    op.create_index("ix_alerts_deliveries_subscription_id", "alerts_deliveries", ["subscription_id"])
    op.create_index("ix_alerts_deliveries_due", "alerts_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("state = 'pending'"))

    op.create_table(
        "alerts_delivery_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("delivery_id", sa.Uuid, nullable=False),
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_delivery_attempts"),
    )
    op.create_index("ix_alerts_delivery_attempts_delivery_id", "alerts_delivery_attempts", ["delivery_id"])
    op.create_index("ix_alerts_delivery_attempts_subscription_id", "alerts_delivery_attempts",
                    ["subscription_id"])

    op.create_table(
        "alerts_notifications",
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("last_sent_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "alert_id", name="pk_alerts_notifications"),
    )

    op.create_table(
        "alerts_credit_customers",
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("large", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("theft_on", sa.Date),
        sa.Column("illegal_use_on", sa.Date),
        sa.Column("old_arrears_no_agreement", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("grade", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("arrears", MONEY),
        sa.Column("months_overdue", sa.Integer),
        sa.Column("reasons", JSONB, nullable=False, server_default=_json("[]")),
        sa.Column("barred_until", sa.Date),
        sa.Column("at_risk", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("evaluated_at", TS),
        sa.PrimaryKeyConstraint("customer_no", name="pk_alerts_credit_customers"),
    )
    op.create_index("ix_alerts_credit_customers_unit", "alerts_credit_customers", ["unit"])

    op.create_table(
        "alerts_credit_bills",
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("amount_due", MONEY, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False, server_default=sa.text("0")),
        sa.Column("paid_on", sa.Date),
        sa.PrimaryKeyConstraint("customer_no", "period", name="pk_alerts_credit_bills"),
    )

    op.create_table(
        "alerts_credit_payments",
        sa.Column("payment_id", sa.Text, nullable=False),
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_at", TS, nullable=False),
        sa.Column("channel", sa.Text),
        sa.PrimaryKeyConstraint("payment_id", name="pk_alerts_credit_payments"),
    )
    op.create_index("ix_alerts_credit_payments_customer_no", "alerts_credit_payments", ["customer_no", "period"])

    op.create_table(
        "alerts_credit_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("old_grade", sa.Text),
        sa.Column("new_grade", sa.Text, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("reasons", JSONB, nullable=False, server_default=_json("[]")),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_credit_history"),
    )
    op.create_index("ix_alerts_credit_history_customer_no", "alerts_credit_history", ["customer_no"])

    op.create_table(
        "alerts_channels",
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("area_type", sa.Text, nullable=False),
        sa.Column("channel_types", JSONB, nullable=False, server_default=_json("[]")),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit", name="pk_alerts_channels"),
    )


def downgrade() -> None:
    for table in ("alerts_channels", "alerts_credit_history", "alerts_credit_payments", "alerts_credit_bills",
                  "alerts_credit_customers", "alerts_notifications", "alerts_delivery_attempts",
                  "alerts_deliveries", "alerts_subscriptions", "alerts_silences", "alerts_history"):
        op.drop_table(table)
    op.drop_column("alerts_alerts", "resolved_at")
    op.drop_column("alerts_alerts", "acked_at")
    op.drop_column("alerts_alerts", "acked_by")
