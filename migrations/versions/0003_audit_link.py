"""audit_link tables (errors in full, calendar, tickets).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_ERROR_COLUMNS: list[tuple[str, Any]] = [
    ("evidence", sa.Text), ("points", sa.Integer), ("level", sa.Text), ("occurrence", sa.Integer),
    ("root_cause", sa.Text), ("prevention_measure", sa.Text), ("accountability_decision", sa.Text),
    ("closed_by", sa.Text), ("closed_at", TS),
]


def upgrade() -> None:
    for name, type_ in _ERROR_COLUMNS:
        op.add_column("audit_errors", sa.Column(name, type_))
    op.add_column("audit_errors", sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")))
    op.create_index("ix_audit_errors_unit_category_period", "audit_errors", ["unit", "category", "period"])

    op.create_table(
        "audit_policies",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("body", postgresql.JSONB, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_audit_policies"),
    )
    years = op.create_table(
        "audit_calendar_years",
        sa.Column("year", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("loaded_by", sa.Text, nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_audit_calendar_years"),
    )
    days = op.create_table(
        "audit_calendar_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.PrimaryKeyConstraint("day", name="pk_audit_calendar_days"),
    )
    op.create_index("ix_audit_calendar_days_year", "audit_calendar_days", ["year"])
    _seed_calendar(years, days)

    op.create_table(
        "audit_tickets",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("raised_by", sa.Text, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("due_at", TS),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deadline_seq", sa.Integer, nullable=False),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("next_escalation_at", TS),
        sa.Column("findings", sa.Text),
        sa.Column("root_cause", sa.Text),
        sa.Column("rectification", sa.Text),
        sa.Column("accountability_decision", sa.Text),
        sa.Column("updated_at", TS),
        sa.Column("idempotency_key", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_audit_tickets"),
        sa.UniqueConstraint("seq", name="uq_audit_tickets_seq"),
    )
    op.create_index("uq_audit_tickets_idempotency_key", "audit_tickets", ["idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))
    op.create_index("ix_audit_tickets_next_escalation_at", "audit_tickets", ["next_escalation_at"],
                    postgresql_where=sa.text("next_escalation_at IS NOT NULL"))
    op.create_index("uq_audit_tickets_open_unit_reason_period", "audit_tickets", ["unit", "reason", "period"],
                    unique=True, postgresql_where=sa.text("state <> 'closed'"))
    op.create_table(
        "audit_ticket_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("due_at", TS),
        sa.Column("details", postgresql.JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_ticket_history"),
        sa.UniqueConstraint("ticket_id", "version", name="uq_audit_ticket_history_ticket_id"),
    )
    op.create_table(
        "audit_escalations",
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("deadline_seq", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("escalated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "deadline_seq", "level", name="pk_audit_escalations"),
    )
    op.create_table(
        "audit_unit_scores",
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("red_indicators", postgresql.JSONB, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit", "period", name="pk_audit_unit_scores"),
    )
    op.create_table(
        "audit_anomalies",
        sa.Column("anomaly_id", sa.Text, nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("period", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("customer_no", sa.Text),
        sa.Column("detected_on", sa.Date),
        sa.Column("due_on", sa.Date),
        sa.Column("rectified_on", sa.Date),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("anomaly_id", name="pk_audit_anomalies"),
    )
    op.create_index("ix_audit_anomalies_due_on", "audit_anomalies", ["due_on"],
                    postgresql_where=sa.text("rectified_on IS NULL"))


def _seed_calendar(years: sa.Table, days: sa.Table) -> None:
    """The official schedule of every year the `chinesecalendar` package knows, as data."""
    from chinese_calendar import constants

    def name(value) -> str | None:
        return getattr(value, "value", None) or (str(value) if value else None)

    covered = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    now = datetime.now(UTC)
    op.bulk_insert(years, [{"year": y, "source": "chinesecalendar package", "loaded_by": "migration 0003",
                            "loaded_at": now} for y in covered])
    rows = [{"day": d, "year": d.year, "kind": "holiday", "name": name(v)} for d, v in constants.holidays.items()]
    rows += [{"day": d, "year": d.year, "kind": "workday", "name": name(v)} for d, v in constants.workdays.items()]
    op.bulk_insert(days, sorted(rows, key=lambda r: r["day"]))


def downgrade() -> None:
    op.drop_table("audit_anomalies")
    op.drop_table("audit_unit_scores")
    op.drop_table("audit_escalations")
    op.drop_table("audit_ticket_history")
    op.drop_table("audit_tickets")
    op.drop_table("audit_calendar_days")
    op.drop_table("audit_calendar_years")
    op.drop_table("audit_policies")
    op.drop_index("ix_audit_errors_unit_category_period", table_name="audit_errors")
    op.drop_column("audit_errors", "version")
    for name, _ in reversed(_ERROR_COLUMNS):
        op.drop_column("audit_errors", name)
