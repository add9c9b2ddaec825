"""outbox wake-up (issue 12): a committed insert into m2c_outbox notifies channel `m2c_outbox`.

One statement-level trigger: the relay LISTENs and publishes at once instead of waiting out its
idle pause (its polling stays as the fallback). NOTIFY is sent at commit, once per transaction and
payload, so a transaction writing thousands of events sends one notification.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION m2c_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('m2c_outbox', '');
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER m2c_outbox_notify AFTER INSERT ON m2c_outbox"
               " FOR EACH STATEMENT EXECUTE FUNCTION m2c_outbox_notify()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS m2c_outbox_notify ON m2c_outbox")
    op.execute("DROP FUNCTION IF EXISTS m2c_outbox_notify()")
