"""alerts_credit_customers: room for in-page updates, and the unit indexed for customers at risk only.

A full credit recompute rewrites most of the customers. With the pages full (the default) every new
row version goes to another page, and both indexes get an entry for it. Fillfactor 70 leaves room
for a HOT update (no index entries); the unit index, used only to list the customers at risk, is
partial, so an update of a customer not at risk writes nothing into it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Applies to pages written from now on; existing pages get the room as they are rewritten.
    op.execute("ALTER TABLE alerts_credit_customers SET (fillfactor = 70)")
    op.create_index("ix_alerts_credit_customers_unit_at_risk", "alerts_credit_customers", ["unit"],
                    postgresql_where=sa.text("at_risk"))
    op.drop_index("ix_alerts_credit_customers_unit", table_name="alerts_credit_customers")


def downgrade() -> None:
    op.create_index("ix_alerts_credit_customers_unit", "alerts_credit_customers", ["unit"])
    op.drop_index("ix_alerts_credit_customers_unit_at_risk", table_name="alerts_credit_customers")
    op.execute("ALTER TABLE alerts_credit_customers RESET (fillfactor)")
