"""bill_review tables (review_*): tariffs, rule sets, bills, units, suspects, runs; default tariffs and rule set.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
KWH = sa.Numeric(14, 2)
SEEDED_AT = datetime(2026, 11, 29, tzinfo=UTC)
SEEDED_BY = "migration-0011"
SEEDED_FROM = "2000-01"  # in force for every period until a PUT says otherwise

# Frozen copies (a migration never imports live code): flat yuan/kWh per tariff code.
DEFAULT_TARIFFS = [
    ("R1", "resident", "0.5883"),
    ("C1", "commercial", "0.7027"),
    ("I1", "industrial", "0.6612"),
    ("L1", "large_industrial", "0.5901"),
    ("A1", "agricultural", "0.5044"),
]
DEFAULT_RULES = {
    "reading_reversed": {"enabled": True, "severity": "critical", "thresholds": {}},
    "kwh_mismatch": {"enabled": True, "severity": "critical", "thresholds": {"tolerance_kwh": 1}},
    "tou_sum": {"enabled": True, "severity": "warning", "thresholds": {"tolerance_kwh": 1}},
    "zero_kwh": {"enabled": True, "severity": "warning", "thresholds": {"min_last_month_kwh": 50}},
    "surge": {"enabled": True, "severity": "warning", "thresholds": {"min_last_month_kwh": 100, "factor": 3}},
    "drop": {"enabled": True, "severity": "warning", "thresholds": {"min_last_month_kwh": 100, "factor": 0.3}},
    "tariff_category": {"enabled": True, "severity": "critical", "thresholds": {}},
    "amount_mismatch": {"enabled": True, "severity": "critical",
                        "thresholds": {"tolerance_yuan": 1, "tolerance_share": 0.01}},
    "multiplier_changed": {"enabled": True, "severity": "warning", "thresholds": {}},
}


def upgrade() -> None:
    tariffs = op.create_table(
        "review_tariffs",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("price", sa.Numeric(10, 4), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("code", "effective_from", name="pk_review_tariffs"),
    )
    rule_sets = op.create_table(
        "review_rule_sets",
        sa.Column("version", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("effective_from", sa.Text, nullable=False),
        sa.Column("rules", postgresql.JSONB, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_review_rule_sets"),
    )
    op.create_table(
        "review_bills",
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("bill_id", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("tariff_code", sa.Text, nullable=False),
        sa.Column("multiplier", sa.Numeric(12, 2), nullable=False),
        sa.Column("prev_reading", sa.Numeric(16, 2), nullable=False),
        sa.Column("curr_reading", sa.Numeric(16, 2), nullable=False),
        sa.Column("kwh", KWH, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("kwh_peak", KWH),
        sa.Column("kwh_flat", KWH),
        sa.Column("kwh_valley", KWH),
        sa.Column("meter_changed", sa.Boolean, nullable=False),
        sa.Column("last_month_kwh", KWH),
        sa.PrimaryKeyConstraint("period", "bill_id", name="pk_review_bills"),
    )
    op.create_table(
        "review_units",
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("bills", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("reviewed_at", TS),
        sa.Column("rule_set_version", sa.Integer),
        sa.PrimaryKeyConstraint("period", "unit", name="pk_review_units"),
    )
    op.create_table(
        "review_suspects",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("bill_id", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", TS),
        sa.Column("decision", postgresql.JSONB),
        sa.Column("decision_key", sa.Text),
        sa.Column("error_id", sa.Uuid),
        sa.PrimaryKeyConstraint("id", name="pk_review_suspects"),
        sa.UniqueConstraint("period", "bill_id", "rule", name="uq_review_suspects_period_bill_rule"),
        sa.UniqueConstraint("decision_key", name="uq_review_suspects_decision_key"),
    )
    op.create_index("ix_review_suspects_period_unit_state", "review_suspects", ["period", "unit", "state"])
    op.create_table(
        "review_runs",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("scope", postgresql.JSONB),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("result", postgresql.JSONB, nullable=False),
        sa.Column("run_by", sa.Text, nullable=False),
        sa.Column("run_at", TS, nullable=False),
        sa.Column("idempotency_key", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_review_runs"),
        sa.UniqueConstraint("idempotency_key", name="uq_review_runs_idempotency_key"),
    )
    op.create_index("ix_review_runs_period", "review_runs", ["period"])

    op.bulk_insert(tariffs, [
        {"code": code, "effective_from": SEEDED_FROM, "category": category, "price": price,
         "updated_by": SEEDED_BY, "updated_at": SEEDED_AT}
        for code, category, price in DEFAULT_TARIFFS
    ])
    op.bulk_insert(rule_sets, [{"version": 1, "effective_from": SEEDED_FROM, "rules": DEFAULT_RULES,
                                "created_by": SEEDED_BY, "created_at": SEEDED_AT}])


def downgrade() -> None:
    for table in ("review_runs", "review_suspects", "review_units", "review_bills", "review_rule_sets",
                  "review_tariffs"):
        op.drop_table(table)
