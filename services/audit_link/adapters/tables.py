"""audit_link's tables (prefix audit_). Migrations 0003, 0005 and 0009 create the same (0001 made audit_errors)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import metadata

TS = DateTime(timezone=True)

errors = Table(
    "audit_errors",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("unit", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("nature", Text, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("description", Text, nullable=False),
    Column("customer_no", Text),
    Column("reporter", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("reported_at", TS, nullable=False),
    Column("idempotency_key", Text, unique=True),
    Column("evidence", Text),
    Column("points", Integer),
    Column("level", Text),
    Column("occurrence", Integer),
    Column("root_cause", Text),
    Column("prevention_measure", Text),
    Column("accountability_decision", Text),
    Column("closed_by", Text),
    Column("closed_at", TS),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # Bills the error touched (误套电价 on n customers touches n bills): what it adds to bills_erroneous.
    Column("bills_affected", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("bills_affected BETWEEN 1 AND 1000000", name="bills_affected"),  # ck_audit_errors_…
    Index("ix_audit_errors_unit_period", "unit", "period"),
    Index("ix_audit_errors_unit_category_period", "unit", "category", "period"),
)

policies = Table(
    "audit_policies",
    metadata,
    Column("name", Text, primary_key=True),
    Column("body", JSONB, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", TS, nullable=False),
)

calendar_years = Table(
    "audit_calendar_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("loaded_by", Text, nullable=False),
    Column("loaded_at", TS, nullable=False),
)

calendar_days = Table(
    "audit_calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # holiday (off) | workday (make-up working day)
    Column("name", Text),
    Index("ix_audit_calendar_days_year", "year"),
)

tickets = Table(
    "audit_tickets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("unit", Text, nullable=False),
    Column("period", Text),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("raised_by", Text, nullable=False),
    Column("raised_at", TS, nullable=False),
    Column("due_at", TS),
    Column("version", Integer, nullable=False),
    Column("deadline_seq", Integer, nullable=False),
    Column("findings", Text),
    Column("root_cause", Text),
    Column("rectification", Text),
    Column("accountability_decision", Text),
    Column("updated_at", TS),
    Column("idempotency_key", Text),
    # A deadline waiting for a calendar year (migration 0009): N working days from this moment.
    Column("due_pending_from", TS),
    Column("due_pending_days", Integer),
    Index("ix_audit_tickets_due_pending", "due_pending_from", postgresql_where=text("due_pending_from IS NOT NULL")),
    Index("uq_audit_tickets_idempotency_key", "idempotency_key", unique=True,
          postgresql_where=text("idempotency_key IS NOT NULL")),
    # Never two open tickets for one unit, reason and period.
    Index("uq_audit_tickets_open_unit_reason_period", "unit", "reason", "period", unique=True,
          postgresql_where=text("state <> 'closed'")),
)

# The running SLA of each ticket with a deadline, apart from the ticket (migration 0005): the
# scanner rewrites these rows on every escalation, and an update of a wide row keyed by a random
# uuid writes a full page image into the WAL for every index page it touches. Keyed by the
# ticket's seq, the rows that fall due together sit together, in the heap and in both indexes.
ticket_sla = Table(
    "audit_ticket_sla",
    metadata,
    Column("ticket_seq", BigInteger, ForeignKey("audit_tickets.seq", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("deadline_seq", Integer, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("escalation_level", Integer, nullable=False),
    Column("next_escalation_at", TS, nullable=False),
    Column("escalation_repeat", Integer, nullable=False, server_default=text("0")),
    # The scanner's one query: what falls due next.
    Index("ix_audit_ticket_sla_next_escalation_at", "next_escalation_at"),
)

ticket_history = Table(
    "audit_ticket_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("ticket_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", Text, nullable=False),
    Column("from_state", Text),
    Column("to_state", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", TS, nullable=False),
    Column("due_at", TS),
    Column("details", JSONB, nullable=False),
    UniqueConstraint("ticket_id", "version", name="uq_audit_ticket_history_ticket_id"),
)

escalations = Table(
    "audit_escalations",
    metadata,
    Column("ticket_id", Uuid, nullable=False),
    Column("deadline_seq", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("escalated_at", TS, nullable=False),
    # 0 for levels 1..cap; r for the r-th repeat of the capped level (migration 0009)
    Column("repeat", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("ticket_id", "deadline_seq", "level", "repeat", name="pk_audit_escalations"),
)

# Days on which the next year's missing calendar was reported (one CalendarYearMissing per day,
# whichever replica checks first).
calendar_checks = Table(
    "audit_calendar_checks",
    metadata,
    Column("year", Integer, nullable=False),
    Column("checked_on", Date, nullable=False),
    Column("pending_deadlines", Integer, nullable=False),
    Column("checked_at", TS, nullable=False),
    PrimaryKeyConstraint("year", "checked_on", name="pk_audit_calendar_checks"),
)

# Intake commands refused for what they say (unknown unit, future period): kept, not retried.
rejected_commands = Table(
    "audit_rejected_commands",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("problems", JSONB, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("rejected_at", TS, nullable=False),
)

unit_scores = Table(
    "audit_unit_scores",
    metadata,
    Column("unit", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("score", Float),
    Column("red_indicators", JSONB, nullable=False),
    Column("received_at", TS, nullable=False),
    PrimaryKeyConstraint("unit", "period", name="pk_audit_unit_scores"),
)

anomalies = Table(
    "audit_anomalies",
    metadata,
    Column("anomaly_id", Text, primary_key=True),
    Column("unit", Text),
    Column("period", Text),
    Column("kind", Text),
    Column("customer_no", Text),
    Column("detected_on", Date),
    Column("due_on", Date),
    Column("rectified_on", Date),
    Column("updated_at", TS, nullable=False),
    Index("ix_audit_anomalies_due_on", "due_on", postgresql_where=text("rectified_on IS NULL")),
)
