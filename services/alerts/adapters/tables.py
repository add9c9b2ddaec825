"""alerts' tables (prefix alerts_)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

TS = DateTime(timezone=True)
MONEY = Numeric(14, 2)

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
    Column("first_seen", TS, nullable=False),
    Column("last_seen", TS, nullable=False),
    Column("count", Integer, nullable=False),
    Column("source_event_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # 0004
    Column("acked_by", Text),
    Column("acked_at", TS),
    Column("resolved_at", TS),
    Index("ix_alerts_alerts_state_severity", "state", "severity"),
    Index("ix_alerts_alerts_unit", "unit"),
)

# Append-only: one row per change of an alert (raised, updated, resolved, acked).
history = Table(
    "alerts_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("alert_id", Uuid, nullable=False, index=True),
    Column("change", Text, nullable=False),
    Column("at", TS, nullable=False),
    Column("event_id", Uuid),
    Column("actor", Text),
    Column("severity", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("changes", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("silenced", Boolean, nullable=False, server_default=text("false")),
)

silences = Table(
    "alerts_silences",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("matchers", JSONB, nullable=False),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    Column("comment", Text, nullable=False, server_default=text("''")),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS),
)

subscriptions = Table(
    "alerts_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("types", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("min_severity", Text, nullable=False),
    Column("unit_prefix", Text),
    Column("channel", Text, nullable=False),
    Column("url", Text),
    Column("secret", Text),
    Column("previous_secret", Text),  # still signs deliveries until previous_secret_until (rotation)
    Column("previous_secret_until", TS),
    Column("repeat_interval_s", Integer),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS),
)

# The durable webhook queue: a row per (subscription, alert change), created with the change.
deliveries = Table(
    "alerts_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subscription_id", Uuid, nullable=False, index=True),
    Column("alert_id", Uuid, nullable=False),
    Column("change", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", TS, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    Column("last_error", Text),
    Index("ix_alerts_deliveries_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
)

delivery_attempts = Table(
    "alerts_delivery_attempts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("delivery_id", Uuid, nullable=False, index=True),
    Column("subscription_id", Uuid, nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("at", TS, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False),
)

# When a subscription was last notified of an alert: drives the repeat of unacknowledged alerts.
notifications = Table(
    "alerts_notifications",
    metadata,
    Column("subscription_id", Uuid, nullable=False),
    Column("alert_id", Uuid, nullable=False),
    Column("last_sent_at", TS, nullable=False),
    PrimaryKeyConstraint("subscription_id", "alert_id", name="pk_alerts_notifications"),
)

# Every full recompute rewrites most customers. Migration 0006 leaves room in each page
# (fillfactor 70) so a new row version can stay on its page (a HOT update, no index entries),
# and indexes the unit only for customers at risk, the one query by unit.
credit_customers = Table(
    "alerts_credit_customers",
    metadata,
    Column("customer_no", Text, primary_key=True),
    Column("unit", Text, nullable=False),
    Column("large", Boolean, nullable=False, server_default=text("false")),
    Column("theft_on", Date),
    Column("illegal_use_on", Date),
    Column("old_arrears_no_agreement", Boolean, nullable=False, server_default=text("false")),
    Column("grade", Text),
    Column("score", Float),
    Column("arrears", MONEY),
    Column("months_overdue", Integer),
    Column("reasons", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("barred_until", Date),
    Column("at_risk", Boolean, nullable=False, server_default=text("false")),
    Column("evaluated_at", TS),
    Index("ix_alerts_credit_customers_unit_at_risk", "unit", postgresql_where=text("at_risk")),
)

credit_bills = Table(
    "alerts_credit_bills",
    metadata,
    Column("customer_no", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("amount_due", MONEY, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("paid_amount", MONEY, nullable=False, server_default=text("0")),
    Column("paid_on", Date),
    PrimaryKeyConstraint("customer_no", "period", name="pk_alerts_credit_bills"),
)

credit_payments = Table(
    "alerts_credit_payments",
    metadata,
    Column("payment_id", Text, primary_key=True),
    Column("customer_no", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("paid_at", TS, nullable=False),
    Column("channel", Text),
    Index("ix_alerts_credit_payments_customer_no", "customer_no", "period"),
)

credit_history = Table(
    "alerts_credit_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_no", Text, nullable=False, index=True),
    Column("old_grade", Text),
    Column("new_grade", Text, nullable=False),
    Column("score", Float),
    Column("reasons", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("at", TS, nullable=False),
)

channels = Table(
    "alerts_channels",
    metadata,
    Column("unit", Text, primary_key=True),
    Column("area_type", Text, nullable=False),
    Column("channel_types", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("updated_at", TS, nullable=False),
)
