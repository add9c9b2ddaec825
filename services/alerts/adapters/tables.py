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
    # 0014: the fingerprint of the firing alert that inhibits this one (an inhibition rule), if any
    Column("inhibited_by", Text),
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
    Column("inhibited", Boolean, nullable=False, server_default=text("false")),
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
    # 0014: Alertmanager-style grouping of notifications, and an optional escalation policy
    Column("group_by", JSONB, nullable=False, server_default=text("'[\"unit\",\"type\"]'")),
    Column("group_wait_s", Integer, nullable=False, server_default=text("30")),
    Column("group_interval_s", Integer, nullable=False, server_default=text("300")),
    Column("send_resolved", Boolean, nullable=False, server_default=text("true")),
    Column("escalation_policy_id", Uuid),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS),
)

# The durable webhook queue: a row per notification (a group's, or one alert's escalation).
deliveries = Table(
    "alerts_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("subscription_id", Uuid, nullable=False, index=True),
    Column("alert_id", Uuid),  # an escalation's alert; None for a group notification
    Column("group_key", Text),
    Column("alert_count", Integer),
    Column("change", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", TS, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    Column("last_error", Text),
    Index("ix_alerts_deliveries_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    Index("ix_alerts_deliveries_subscription_seq", "subscription_id", "seq"),
)

# One aggregation group per (subscription, values of its group_by labels), Alertmanager-style:
# next_flush_at is when the group is next looked at (group_wait, group_interval, repeat_interval).
groups = Table(
    "alerts_groups",
    metadata,
    Column("subscription_id", Uuid, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("labels", JSONB, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("next_flush_at", TS),
    Column("last_flushed_at", TS),
    Column("last_sent_at", TS),
    Column("sent_firing", Boolean, nullable=False, server_default=text("false")),
    PrimaryKeyConstraint("subscription_id", "group_key", name="pk_alerts_groups"),
    Index("ix_alerts_groups_due", "next_flush_at", postgresql_where=text("next_flush_at IS NOT NULL")),
)

# The alerts of a group; notified_severity: the severity the subscriber last heard of (None: not yet).
group_members = Table(
    "alerts_group_members",
    metadata,
    Column("subscription_id", Uuid, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("alert_id", Uuid, nullable=False),
    Column("added_at", TS, nullable=False),
    Column("notified_severity", Text),
    PrimaryKeyConstraint("subscription_id", "group_key", "alert_id", name="pk_alerts_group_members"),
    Index("ix_alerts_group_members_alert", "alert_id"),
)

# Editable rule documents: kind 'severity' or 'inhibition' (docs/alerts.md).
rule_sets = Table(
    "alerts_rule_sets",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("rules", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", TS, nullable=False),
)

escalation_policies = Table(
    "alerts_escalation_policies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("types", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("levels", JSONB, nullable=False),
    Column("repeat_cap", Integer, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS),
    # climbs alerts of its types only when no other policy applies (the default ticket policy, 0017)
    Column("fallback", Boolean, nullable=False, server_default=text("false")),
)

# Where one alert stands on one policy: the last level notified, the round, when the next level is due.
escalations = Table(
    "alerts_escalations",
    metadata,
    Column("alert_id", Uuid, nullable=False),
    Column("policy_id", Uuid, nullable=False),
    Column("level", Integer, nullable=False, server_default=text("0")),
    Column("round", Integer, nullable=False, server_default=text("0")),
    Column("started_at", TS, nullable=False),
    Column("next_at", TS),
    Column("stopped_at", TS),
    Column("stop_reason", Text),
    PrimaryKeyConstraint("alert_id", "policy_id", name="pk_alerts_escalations"),
    Index("ix_alerts_escalations_due", "next_at", postgresql_where=text("stopped_at IS NULL")),
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
