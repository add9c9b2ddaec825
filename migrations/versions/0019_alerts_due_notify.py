"""webhook delivery wake-up (issue 12): a commit that makes alerts' delivery work due notifies
channel `m2c_alerts_due`.

The delivery worker LISTENs and starts at once instead of waiting out its poll pause (polling stays
as the fallback, e.g. for a group_wait that ends later, or while LISTEN is re-established):
- a notification group inserted or moved to a look due now (group_wait 0: a new alert's group);
- an escalation scheduled due now.
Webhook deliveries need no trigger: only the worker queues them (from a group's look or an
escalation) and it POSTs them in the same round; a NOTIFY would only wake it for nothing.
NOTIFY is sent at commit, once per transaction and payload, so a batch of rows sends one. "Due now"
tolerates a second of clock skew between the services and the database (an early wake is one
cheap round that finds nothing).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE_NOW = "<= clock_timestamp() + interval '1 second'"


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION m2c_alerts_due_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('m2c_alerts_due', '');
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER m2c_alerts_groups_due AFTER INSERT OR UPDATE OF next_flush_at ON alerts_groups"
               f" FOR EACH ROW WHEN (NEW.next_flush_at {DUE_NOW}) EXECUTE FUNCTION m2c_alerts_due_notify()")
    op.execute("CREATE TRIGGER m2c_alerts_escalations_due AFTER INSERT OR UPDATE OF next_at ON alerts_escalations"
               f" FOR EACH ROW WHEN (NEW.next_at {DUE_NOW}) EXECUTE FUNCTION m2c_alerts_due_notify()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS m2c_alerts_escalations_due ON alerts_escalations")
    op.execute("DROP TRIGGER IF EXISTS m2c_alerts_groups_due ON alerts_groups")
    op.execute("DROP FUNCTION IF EXISTS m2c_alerts_due_notify()")
