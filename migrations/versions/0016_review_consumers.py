"""review consumers (issue 15): bill review's errors register (misses) and the default scheme's
pre-release review indicator.

- `review_errors`: the errors audit_link registered (ErrorReported with a customer_no), as bill review
  saw them; a miss is read from them against the reviewed bills and suspects.
- The stored `default` scheme gains `review_handling_rate` (发行前复核疑点处理率) in the 电费复核管理 stage,
  and the stage's weights are re-balanced to 0.4/0.2/0.2/0.2 so they still sum to 1 (without review
  data the stage re-normalises to the former 0.5/0.25/0.25). Frozen here, not imported from live code.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
STAGE = "review"
INDICATOR = {
    "code": "review_handling_rate", "name": "发行前复核疑点处理率", "kind": "assessment", "weight": 0.2,
    "measure": {"type": "ratio", "numerator": "review_suspects_handled", "denominator": "review_suspects"},
    "rule": {"type": "linear", "direction": "higher_better", "zero_at": 0.9, "full_at": 1.0},
}
WEIGHTS = {"bill_error_rate": 0.4, "overdue_anomalies": 0.2, "receivable_rollbacks": 0.2, "review_handling_rate": 0.2}
FORMER_WEIGHTS = {"bill_error_rate": 0.5, "overdue_anomalies": 0.25, "receivable_rollbacks": 0.25}


def _definition(conn) -> dict | None:
    row = conn.execute(sa.text("SELECT definition FROM scoring_schemes WHERE code = 'default'")).first()
    return row[0] if row else None


def _store(conn, doc: dict) -> None:
    conn.execute(sa.text("UPDATE scoring_schemes SET definition = CAST(:d AS jsonb) WHERE code = 'default'"),
                 {"d": json.dumps(doc, ensure_ascii=False)})


def _review_stage(doc: dict) -> dict | None:
    return next((s for s in doc.get("stages", []) if s.get("code") == STAGE), None)


def upgrade() -> None:
    op.create_table(
        "review_errors",
        sa.Column("error_id", sa.Uuid, primary_key=True),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("customer_no", sa.Text, nullable=False),
        sa.Column("bills_affected", sa.Integer, nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
    )
    op.create_index("ix_review_errors_period_unit_customer", "review_errors", ["period", "unit", "customer_no"])
    conn = op.get_bind()
    doc = _definition(conn)
    stage = _review_stage(doc) if doc else None
    if stage is None or doc is None:
        return
    indicators = stage.setdefault("indicators", [])
    if not any(i.get("code") == INDICATOR["code"] for i in indicators):  # a fresh database has it from 0002
        indicators.append(dict(INDICATOR))
    for ind in indicators:
        if ind.get("code") in WEIGHTS:
            ind["weight"] = WEIGHTS[ind["code"]]
    _store(conn, doc)


def downgrade() -> None:
    conn = op.get_bind()
    doc = _definition(conn)
    stage = _review_stage(doc) if doc else None
    if stage is not None and doc is not None:
        stage["indicators"] = [i for i in stage.get("indicators", []) if i.get("code") != INDICATOR["code"]]
        for ind in stage["indicators"]:
            if ind.get("code") in FORMER_WEIGHTS:
                ind["weight"] = FORMER_WEIGHTS[ind["code"]]
        _store(conn, doc)
    op.drop_index("ix_review_errors_period_unit_customer", table_name="review_errors")
    op.drop_table("review_errors")
