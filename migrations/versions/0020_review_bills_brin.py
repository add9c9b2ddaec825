"""review_bills without its primary key (issue 15, bench): a BRIN index on `period` instead.

Maintaining the B-tree of (period, bill_id) cost ~1.5 µs of server CPU per imported bill — more than
the COPY of the bill itself (measured at 200 000 bills: INSERT … SELECT 0.21 s without it, 0.52 s with
it). A bill id stays unique per period: imports of a period take turns (advisory lock) and each checks
its file set-based (a bill id twice in the file, or already a bill of another unit) before it inserts.
Every read of the bills is by period (a run, replacing a unit's bills, the misses): bills of a period
arrive together in bulk, so a BRIN range index finds them for almost nothing.

Also `review_kwh_sum(numeric)`: a sum whose state is the running numeric itself (`numeric_add`), for the
run's per-customer total of the previous month. The built-in `sum(numeric)` keeps a large accumulator per
group; with one group per customer (1 M) that made the run's join with the previous month ~30 % dearer
(measured). Exact all the same (numeric addition); NULLs are skipped and an all-NULL group is NULL.

And `review_units.customers_unique`: the unit's file had each customer once, and none of another unit's
customers of that period (checked at its import). When every unit of last month says so, the run joins
last month's bills row by row instead of summing them per customer (~1 s of server CPU at 1 M bills);
NULL (units imported before) counts as "not known", so those months are summed as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("pk_review_bills", "review_bills", type_="primary")
    op.create_index("ix_review_bills_period", "review_bills", ["period"], postgresql_using="brin")
    op.execute("CREATE AGGREGATE review_kwh_sum(numeric) (SFUNC = numeric_add, STYPE = numeric)")
    op.add_column("review_units", sa.Column("customers_unique", sa.Boolean))


def downgrade() -> None:
    op.drop_column("review_units", "customers_unique")
    op.execute("DROP AGGREGATE review_kwh_sum(numeric)")
    op.drop_index("ix_review_bills_period", table_name="review_bills")
    op.create_primary_key("pk_review_bills", "review_bills", ["period", "bill_id"])
