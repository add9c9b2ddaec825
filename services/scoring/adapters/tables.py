"""scoring's tables (prefix scoring_). Org units are shared reference data other services read."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Float, Identity, Index, Integer, Numeric, Table, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import false

from shared.db import metadata

TS = DateTime(timezone=True)

org_units = Table(
    "scoring_org_units", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent", Text),
    Column("area_type", Text),
    Column("updated_at", TS, nullable=False),
    Index("ix_scoring_org_units_parent", "parent"),
)

schemes = Table(
    "scoring_schemes", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("effective_from", Text, nullable=False),
    Column("definition", JSONB, nullable=False),
    Column("created_at", TS, nullable=False),
)

# One value per (period, unit, counter, source); a counter's value is the sum over its sources:
# "reported" (PUT counters), "raw:<kind>" (aggregated raw files), "events" (ErrorReported).
counters = Table(
    "scoring_counters", metadata,
    Column("period", Text, primary_key=True),
    Column("unit", Text, primary_key=True),
    Column("counter", Text, primary_key=True),
    Column("source", Text, primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", TS, nullable=False),
)

fact_batches = Table(
    "scoring_fact_batches", metadata,
    Column("batch_id", Text, primary_key=True),
    Column("period", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("received_at", TS, nullable=False),
)

score_runs = Table(
    "scoring_score_runs", metadata,
    Column("period", Text, primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("scheme", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("idempotency_key", Text, unique=True),
    # Whether this run was allowed to publish incomplete stations; the re-scorer reuses the latest choice.
    Column("allow_incomplete", Boolean, nullable=False, server_default=false()),
)

scores = Table(
    "scoring_scores", metadata,
    Column("period", Text, primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("unit", Text, primary_key=True),
    Column("level", Text, nullable=False),
    Column("parent", Text),
    Column("score", Float),
    Column("rank", Integer),
    Column("detail", JSONB, nullable=False),
    Column("light", Text),
    Index("ix_scoring_scores_unit", "unit"),
)

recovery_tasks = Table(
    "scoring_recovery_tasks", metadata,
    Column("unit", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("arrears_carried_over", Numeric(16, 2), nullable=False),
    Column("annual_target", Numeric(16, 2), nullable=False),
    Column("profile", JSONB, nullable=False),
)

recovery_facts = Table(
    "scoring_recovery_facts", metadata,
    Column("unit", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("receivable", Numeric(16, 2), nullable=False),
    Column("collected", Numeric(16, 2), nullable=False),
    Column("arrears_recovered", Numeric(16, 2), nullable=False),
    Column("updated_at", TS, nullable=False),
)

recovery_lights = Table(
    "scoring_recovery_lights", metadata,
    Column("unit", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("light", Text, nullable=False),
    Column("metrics", JSONB, nullable=False),
    Column("issued_at", TS, nullable=False),
)

# Periods whose counters changed after they were scored (an ErrorReported that came in later). The
# re-scorer gives a new request its due time when it first sees it (its own clock), and scores the
# period again then, so a burst of errors makes one new revision, not one each.
rescore_requests = Table(
    "scoring_rescore_requests", metadata,
    Column("period", Text, primary_key=True),
    Column("requested_at", TS, nullable=False),  # the first late error's event time
    Column("events", Integer, nullable=False),  # late errors folded into this request
    Column("due_at", TS),  # set by the re-scorer
)
