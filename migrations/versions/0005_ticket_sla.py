"""audit_ticket_sla: each ticket's running SLA (escalation level, next escalation) in a narrow table.

The SLA scanner rewrites this state for every escalated ticket. On audit_tickets that update could
never be HOT (next_escalation_at is indexed), so it wrote a new entry into each of the ticket's
indexes — random pages of a uuid key, each a full page image in the WAL after a checkpoint. Keyed
by the ticket's seq, the rows falling due together are neighbours in the heap and both indexes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_ticket_sla",
        sa.Column("ticket_seq", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("deadline_seq", sa.Integer, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("next_escalation_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["ticket_seq"], ["audit_tickets.seq"], ondelete="CASCADE",
                                name="fk_audit_ticket_sla_ticket_seq_audit_tickets"),
        sa.PrimaryKeyConstraint("ticket_seq", name="pk_audit_ticket_sla"),
    )
    op.execute(
        "INSERT INTO audit_ticket_sla (ticket_seq, ticket_id, deadline_seq, due_at, escalation_level,"
        " next_escalation_at) SELECT seq, id, deadline_seq, due_at, escalation_level, next_escalation_at"
        " FROM audit_tickets WHERE next_escalation_at IS NOT NULL AND due_at IS NOT NULL ORDER BY seq"
    )
    op.create_index("ix_audit_ticket_sla_next_escalation_at", "audit_ticket_sla", ["next_escalation_at"])
    op.drop_index("ix_audit_tickets_next_escalation_at", table_name="audit_tickets")
    op.drop_column("audit_tickets", "next_escalation_at")
    op.drop_column("audit_tickets", "escalation_level")


def downgrade() -> None:
    op.add_column("audit_tickets", sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"))
    op.alter_column("audit_tickets", "escalation_level", server_default=None)
    op.add_column("audit_tickets", sa.Column("next_escalation_at", TS))
    op.execute(
        "UPDATE audit_tickets AS t SET escalation_level = s.escalation_level,"
        " next_escalation_at = s.next_escalation_at FROM audit_ticket_sla AS s WHERE s.ticket_seq = t.seq"
    )
    op.create_index("ix_audit_tickets_next_escalation_at", "audit_tickets", ["next_escalation_at"],
                    postgresql_where=sa.text("next_escalation_at IS NOT NULL"))
    op.drop_table("audit_ticket_sla")
