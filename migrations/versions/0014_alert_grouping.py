"""alerts: grouped notifications, severity and inhibition rules, escalation policies.

Subscriptions gain Alertmanager-style grouping (group_by, group_wait_s, group_interval_s,
send_resolved) and an optional escalation policy; existing subscriptions get the defaults
(group by unit and type, 30 s wait, 5 min interval, resolved notifications on).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# Frozen copies of the default rules at the time of this migration (the live defaults may move on).
SEVERITY_RULES = [
    {"name": "大额欠费", "type": "ArrearsRiskDetected",
     "conditions": [{"label": "arrears", "op": ">=", "value": "50000"}], "severity": "critical"},
    {"name": "大客户欠费", "type": "ArrearsRiskDetected",
     "conditions": [{"label": "large", "op": "=", "value": "true"}], "severity": "critical"},
    {"name": "一般欠费风险", "type": "ArrearsRiskDetected", "conditions": [], "severity": "warning"},
]
INHIBITION_RULES = [
    {"name": "供电所回收率红灯抑制其客户欠费预警",
     "source_matchers": [{"name": "type", "value": "RecoveryWarningIssued"}, {"name": "light", "value": "red"}],
     "target_matchers": [{"name": "type", "value": "ArrearsRiskDetected"}, {"name": "severity", "value": "warning"}],
     "equal": ["unit"]},
]


def upgrade() -> None:
    subs = "alerts_subscriptions"
    op.add_column(subs, sa.Column("group_by", JSONB, nullable=False, server_default=sa.text("'[\"unit\",\"type\"]'")))
    op.add_column(subs, sa.Column("group_wait_s", sa.Integer, nullable=False, server_default=sa.text("30")))
    op.add_column(subs, sa.Column("group_interval_s", sa.Integer, nullable=False, server_default=sa.text("300")))
    op.add_column(subs, sa.Column("send_resolved", sa.Boolean, nullable=False, server_default=sa.text("true")))
    op.add_column(subs, sa.Column("escalation_policy_id", sa.Uuid))

    op.add_column("alerts_alerts", sa.Column("inhibited_by", sa.Text))
    op.add_column("alerts_history", sa.Column("inhibited", sa.Boolean, nullable=False,
                                              server_default=sa.text("false")))

    op.alter_column("alerts_deliveries", "alert_id", nullable=True)
    op.add_column("alerts_deliveries", sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False))
    op.add_column("alerts_deliveries", sa.Column("group_key", sa.Text))
    op.add_column("alerts_deliveries", sa.Column("alert_count", sa.Integer))
    op.create_index("ix_alerts_deliveries_subscription_seq", "alerts_deliveries", ["subscription_id", "seq"])

    op.create_table(
        "alerts_groups",
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("group_key", sa.Text, nullable=False),
        sa.Column("labels", JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_flush_at", TS),
        sa.Column("last_flushed_at", TS),
        sa.Column("last_sent_at", TS),
        sa.Column("sent_firing", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("subscription_id", "group_key", name="pk_alerts_groups"),
    )
    op.create_index("ix_alerts_groups_due", "alerts_groups", ["next_flush_at"],
                    postgresql_where=sa.text("next_flush_at IS NOT NULL"))
    op.create_table(
        "alerts_group_members",
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("group_key", sa.Text, nullable=False),
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("notified_severity", sa.Text),
        sa.PrimaryKeyConstraint("subscription_id", "group_key", "alert_id", name="pk_alerts_group_members"),
    )
    op.create_index("ix_alerts_group_members_alert", "alerts_group_members", ["alert_id"])

    rule_sets = op.create_table(
        "alerts_rule_sets",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_alerts_rule_sets"),
    )
    now = datetime(2026, 11, 29, tzinfo=UTC)
    op.bulk_insert(rule_sets, [
        {"kind": "severity", "rules": json.loads(json.dumps(SEVERITY_RULES)), "version": 1,
         "updated_by": "migration 0014", "updated_at": now},
        {"kind": "inhibition", "rules": json.loads(json.dumps(INHIBITION_RULES)), "version": 1,
         "updated_by": "migration 0014", "updated_at": now},
    ])

    op.create_table(
        "alerts_escalation_policies",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("types", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("levels", JSONB, nullable=False),
        sa.Column("repeat_cap", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_escalation_policies"),
    )
    op.create_table(
        "alerts_escalations",
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("policy_id", sa.Uuid, nullable=False),
        sa.Column("level", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("round", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("next_at", TS),
        sa.Column("stopped_at", TS),
        sa.Column("stop_reason", sa.Text),
        sa.PrimaryKeyConstraint("alert_id", "policy_id", name="pk_alerts_escalations"),
    )
    op.create_index("ix_alerts_escalations_due", "alerts_escalations", ["next_at"],
                    postgresql_where=sa.text("stopped_at IS NULL"))


def downgrade() -> None:
    op.drop_table("alerts_escalations")
    op.drop_table("alerts_escalation_policies")
    op.drop_table("alerts_rule_sets")
    op.drop_table("alerts_group_members")
    op.drop_table("alerts_groups")
    op.drop_index("ix_alerts_deliveries_subscription_seq", table_name="alerts_deliveries")
    op.drop_column("alerts_deliveries", "alert_count")
    op.drop_column("alerts_deliveries", "group_key")
    op.drop_column("alerts_deliveries", "seq")
    op.execute("DELETE FROM alerts_deliveries WHERE alert_id IS NULL")
    op.alter_column("alerts_deliveries", "alert_id", nullable=False)
    op.drop_column("alerts_history", "inhibited")
    op.drop_column("alerts_alerts", "inhibited_by")
    for c in ("escalation_policy_id", "send_resolved", "group_interval_s", "group_wait_s", "group_by"):
        op.drop_column("alerts_subscriptions", c)
