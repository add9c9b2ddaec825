"""bill_review's tables (prefix review_). Migrations 0011 and 0016 create the same."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

TS = DateTime(timezone=True)
KWH = Numeric(14, 2)

# Flat price per kWh (yuan) by tariff code, versioned by the period it applies from.
tariffs = Table(
    "review_tariffs", metadata,
    Column("code", Text, nullable=False),
    Column("effective_from", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("price", Numeric(10, 4), nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", TS, nullable=False),
    PrimaryKeyConstraint("code", "effective_from", name="pk_review_tariffs"),
)

# The rule set: every PUT adds a version; a run uses the latest version in force for its period.
rule_sets = Table(
    "review_rule_sets", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("effective_from", Text, nullable=False),
    Column("rules", JSONB, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
)

bills = Table(
    "review_bills", metadata,
    Column("period", Text, nullable=False),
    Column("bill_id", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("customer_no", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("tariff_code", Text, nullable=False),
    Column("multiplier", Numeric(12, 2), nullable=False),
    Column("prev_reading", Numeric(16, 2), nullable=False),
    Column("curr_reading", Numeric(16, 2), nullable=False),
    Column("kwh", KWH, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("kwh_peak", KWH),
    Column("kwh_flat", KWH),
    Column("kwh_valley", KWH),
    Column("meter_changed", Boolean, nullable=False),
    Column("last_month_kwh", KWH),
    # One BRIN index on period, no primary key (migration 0020): every read is by period, a period's bills
    # arrive together, and a B-tree cost more server CPU per imported bill than its COPY. A bill id is
    # unique per period because imports of a period take turns and each checks its file (bill_ingest).
    Index("ix_review_bills_period", "period", postgresql_using="brin"),
)

# Per (period, unit): how many bills the last file brought and whether they were reviewed since.
units = Table(
    "review_units", metadata,
    Column("period", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("bills", Integer, nullable=False),
    Column("imported_by", Text, nullable=False),
    Column("imported_at", TS, nullable=False),
    Column("reviewed_at", TS),
    Column("rule_set_version", Integer),
    # The file had each customer once and none of another unit's (migration 0020); NULL: not known.
    Column("customers_unique", Boolean),
    PrimaryKeyConstraint("period", "unit", name="pk_review_units"),
)

# One suspect per (period, bill, rule); a re-run updates open ones and never touches decided ones.
suspects = Table(
    "review_suspects", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("period", Text, nullable=False),
    Column("bill_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("customer_no", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("raised_at", TS, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", TS),
    Column("decision", JSONB),
    Column("decision_key", Text, unique=True),
    Column("error_id", Uuid),
    UniqueConstraint("period", "bill_id", "rule", name="uq_review_suspects_period_bill_rule"),
    Index("ix_review_suspects_period_unit_state", "period", "unit", "state"),
)

runs = Table(
    "review_runs", metadata,
    Column("id", Uuid, primary_key=True),
    Column("period", Text, nullable=False),
    Column("scope", JSONB),
    Column("rule_set_version", Integer, nullable=False),
    Column("result", JSONB, nullable=False),
    Column("run_by", Text, nullable=False),
    Column("run_at", TS, nullable=False),
    Column("idempotency_key", Text, unique=True),
    Index("ix_review_runs_period", "period"),
)

# The errors audit_link registered that name a customer (ErrorReported, migration 0016): the evidence of
# misses — errors for reviewed bills that no rule flagged — read against the bills and suspects.
errors = Table(
    "review_errors", metadata,
    Column("error_id", Uuid, primary_key=True),
    Column("period", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("customer_no", Text, nullable=False),
    Column("bills_affected", Integer, nullable=False),
    Column("reported_at", TS, nullable=False),
    Column("received_at", TS, nullable=False),
    Index("ix_review_errors_period_unit_customer", "period", "unit", "customer_no"),
)
