"""ticket escalations climb an escalation policy (issue 16): one alert per overdue ticket, not one
notification per audit level.

- `alerts_escalation_policies.fallback`: a fallback policy climbs an alert of its types only when no
  other policy applies to it (so an operator's own ticket policy replaces the default one).
- The default ticket policy, frozen here (not imported from live code): 稽核工作传单超期升级（默认）,
  types TicketEscalated, fallback, repeat cap 1; level 1 after 8 working hours unacknowledged → the
  subscriptions scoped to the unit one level up (a station's county); level 2 after 8 more → two
  levels up (the city). Levels also accept explicit subscription ids.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_TICKET_POLICY_ID = uuid.UUID("5f0c7a1e-0017-4d3b-9a61-7c2e1b0d0017")
LEVELS = [{"after_working_hours": 8, "subscription_ids": [], "org_levels_up": 1},
          {"after_working_hours": 8, "subscription_ids": [], "org_levels_up": 2}]


def upgrade() -> None:
    op.add_column("alerts_escalation_policies",
                  sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.get_bind().execute(sa.text(
        "INSERT INTO alerts_escalation_policies "
        "(id, name, types, levels, repeat_cap, created_by, created_at, fallback) "
        "VALUES (:id, :name, CAST(:types AS jsonb), CAST(:levels AS jsonb), 1, 'migration 0017', :at, true)"),
        {"id": DEFAULT_TICKET_POLICY_ID, "name": "稽核工作传单超期升级（默认）",
         "types": json.dumps(["TicketEscalated"]), "levels": json.dumps(LEVELS),
         "at": datetime(2026, 11, 30, tzinfo=UTC)})


def downgrade() -> None:
    op.execute(f"DELETE FROM alerts_escalations WHERE policy_id = '{DEFAULT_TICKET_POLICY_ID}'")
    op.execute(f"DELETE FROM alerts_escalation_policies WHERE id = '{DEFAULT_TICKET_POLICY_ID}'")
    op.drop_column("alerts_escalation_policies", "fallback")
