"""scoring completeness: runs remember whether they allowed incomplete stations; the default scheme
declares the facts a station needs (required_facts), what incomplete stations count for, and the
base of each count indicator (issue 10).

The stored `default` scheme gains declarations only (weights, rules and thresholds unchanged); the
values are frozen here, not imported from live code.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUIRED_FACTS = ["readings_planned", "bills_issued", "recon_due"]
BASES = {  # indicator code → the counters (any one) that show the station's month was reported
    "overdue_uploads": ["readings_planned"],
    "overdue_anomalies": ["bills_issued", "readings_planned"],
    "receivable_rollbacks": ["bills_issued"],
    "next_day_writeoffs": ["recon_due", "bills_issued"],
}


def _definition(conn) -> dict | None:
    row = conn.execute(sa.text("SELECT definition FROM scoring_schemes WHERE code = 'default'")).first()
    return row[0] if row else None


def _store(conn, doc: dict) -> None:
    conn.execute(sa.text("UPDATE scoring_schemes SET definition = CAST(:d AS jsonb) WHERE code = 'default'"),
                 {"d": json.dumps(doc, ensure_ascii=False)})


def upgrade() -> None:
    op.add_column("scoring_score_runs", sa.Column("allow_incomplete", sa.Boolean, nullable=False,
                                                  server_default=sa.false()))
    conn = op.get_bind()
    doc = _definition(conn)
    if doc is None:
        return
    doc.setdefault("required_facts", REQUIRED_FACTS)
    doc.setdefault("incomplete_stations", "exclude")
    for stage in doc.get("stages", []):
        for ind in stage.get("indicators", []):
            if ind.get("code") in BASES and ind["measure"].get("type") == "count":
                ind["measure"].setdefault("base", BASES[ind["code"]])
    _store(conn, doc)


def downgrade() -> None:
    conn = op.get_bind()
    doc = _definition(conn)
    if doc is not None:
        doc.pop("required_facts", None)
        doc.pop("incomplete_stations", None)
        for stage in doc.get("stages", []):
            for ind in stage.get("indicators", []):
                ind.get("measure", {}).pop("base", None)
        _store(conn, doc)
    op.drop_column("scoring_score_runs", "allow_incomplete")
