"""audit_link (issue 10): bills an error touched, deadlines in every waiting state, pending
deadlines, capped escalation levels that repeat, the daily missing-calendar check, rejected intake.

- audit_errors.bills_affected (1..1 000 000, default 1).
- audit_tickets.due_pending_from / due_pending_days: a deadline waiting for a calendar year.
  Open tickets left in `coordinated` or `reported` had no deadline before this revision; they get
  one now, as pending (counted from their last change with the default policy, frozen here:
  receive 1, review 5 working days) — the SLA scanner computes it on its first pass.
- audit_ticket_sla.escalation_repeat, audit_escalations.repeat (in the primary key): repeats of
  the capped level.
- audit_calendar_checks: one CalendarYearMissing per year and local day.
- audit_rejected_commands: intake commands refused for an unknown unit or a future period.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
# The default policy's working days when this revision was written (never read from live code).
_FROZEN_DAYS = {"coordinated": 1, "reported": 5}


def upgrade() -> None:
    op.add_column("audit_errors", sa.Column("bills_affected", sa.Integer, nullable=False,
                                            server_default=sa.text("1")))
    op.create_check_constraint("ck_audit_errors_bills_affected", "audit_errors",
                               "bills_affected BETWEEN 1 AND 1000000")

    op.add_column("audit_tickets", sa.Column("due_pending_from", TS))
    op.add_column("audit_tickets", sa.Column("due_pending_days", sa.Integer))
    op.create_index("ix_audit_tickets_due_pending", "audit_tickets", ["due_pending_from"],
                    postgresql_where=sa.text("due_pending_from IS NOT NULL"))
    for state, days in _FROZEN_DAYS.items():
        op.execute(sa.text(
            "UPDATE audit_tickets SET due_pending_from = coalesce(updated_at, raised_at), due_pending_days = :days"
            " WHERE state = :state AND due_at IS NULL").bindparams(days=days, state=state))

    op.add_column("audit_ticket_sla", sa.Column("escalation_repeat", sa.Integer, nullable=False,
                                                server_default=sa.text("0")))
    op.add_column("audit_escalations", sa.Column("repeat", sa.Integer, nullable=False, server_default=sa.text("0")))
    op.drop_constraint("pk_audit_escalations", "audit_escalations", type_="primary")
    op.create_primary_key("pk_audit_escalations", "audit_escalations", ["ticket_id", "deadline_seq", "level", "repeat"])

    op.create_table(
        "audit_calendar_checks",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("pending_deadlines", sa.Integer, nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("year", "checked_on", name="pk_audit_calendar_checks"),
    )
    op.create_table(
        "audit_rejected_commands",
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("problems", postgresql.JSONB, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("rejected_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_audit_rejected_commands"),
    )


def downgrade() -> None:
    op.drop_table("audit_rejected_commands")
    op.drop_table("audit_calendar_checks")
    op.execute("DELETE FROM audit_escalations WHERE repeat > 0")
    op.drop_constraint("pk_audit_escalations", "audit_escalations", type_="primary")
    op.create_primary_key("pk_audit_escalations", "audit_escalations", ["ticket_id", "deadline_seq", "level"])
    op.drop_column("audit_escalations", "repeat")
    op.drop_column("audit_ticket_sla", "escalation_repeat")
    op.drop_index("ix_audit_tickets_due_pending", table_name="audit_tickets")
    op.drop_column("audit_tickets", "due_pending_days")
    op.drop_column("audit_tickets", "due_pending_from")
    op.drop_constraint("ck_audit_errors_bills_affected", "audit_errors", type_="check")
    op.drop_column("audit_errors", "bills_affected")
