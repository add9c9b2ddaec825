"""alerts_subscriptions: the previous signing secret and until when it still signs (rotation).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alerts_subscriptions", sa.Column("previous_secret", sa.Text))
    op.add_column("alerts_subscriptions", sa.Column("previous_secret_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("alerts_subscriptions", "previous_secret_until")
    op.drop_column("alerts_subscriptions", "previous_secret")
