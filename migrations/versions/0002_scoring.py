"""scoring service tables (org units, schemes, facts, scores, recovery); seeds the default scheme.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(16, 2)
TABLES = ("scoring_org_units", "scoring_schemes", "scoring_counters", "scoring_fact_batches", "scoring_score_runs",
          "scoring_scores", "scoring_recovery_tasks", "scoring_recovery_facts", "scoring_recovery_lights")


# The default scheme as this migration seeds it (DESIGN §4.2), frozen here: a migration never imports live
# code (services/scoring/domain/default_scheme.py may change; a database made today must not).
DEFAULT_SCHEME = {'code': 'default',
 'name': '精细化核算考核指标库（默认）',
 'effective_from': '2000-01',
 'stages': [{'code': 'reading',
             'name': '抄表管理',
             'weight': 0.3,
             'indicators': [{'code': 'reading_completion_rate',
                             'name': '抄表完成率',
                             'kind': 'assessment',
                             'weight': 0.4,
                             'measure': {'type': 'ratio',
                                         'numerator': 'readings_done',
                                         'denominator': 'readings_planned'},
                             'rule': {'type': 'linear',
                                      'direction': 'higher_better',
                                      'zero_at': 0.98,
                                      'full_at': 1.0}},
                            {'code': 'one_stop_rate',
                             'name': '抄表缴费一站妥',
                             'kind': 'assessment',
                             'weight': 0.3,
                             'measure': {'type': 'ratio',
                                         'numerator': 'one_stop_done',
                                         'denominator': 'one_stop_due'},
                             'rule': {'type': 'linear',
                                      'direction': 'higher_better',
                                      'zero_at': 0.9,
                                      'full_at': 1.0}},
                            {'code': 'overdue_uploads',
                             'name': '超时上装',
                             'kind': 'process',
                             'weight': 0.3,
                             'measure': {'type': 'count',
                                         'counter': 'uploads_overdue',
                                         'base': ['readings_planned'],
                                         'per': {'counter': 'readings_planned', 'unit': 10000}},
                             'rule': {'type': 'deduction', 'points_per_unit': 10}}]},
            {'code': 'review',
             'name': '电费复核管理',
             'weight': 0.5,
             'indicators': [{'code': 'bill_error_rate',
                             'name': '账单差错率',
                             'kind': 'assessment',
                             'weight': 0.4,
                             'measure': {'type': 'ratio',
                                         'numerator': 'bills_erroneous',
                                         'denominator': 'bills_issued'},
                             'rule': {'type': 'linear',
                                      'direction': 'lower_better',
                                      'zero_at': 0.0005,
                                      'full_at': 0.0}},
                            {'code': 'overdue_anomalies',
                             'name': '异常整改未完成',
                             'kind': 'process',
                             'weight': 0.2,
                             'measure': {'type': 'count',
                                         'counter': 'anomalies_overdue',
                                         'base': ['bills_issued', 'readings_planned']},
                             'rule': {'type': 'deduction', 'points_per_unit': 5}},
                            {'code': 'receivable_rollbacks',
                             'name': '应收回退',
                             'kind': 'process',
                             'weight': 0.2,
                             'measure': {'type': 'count',
                                         'counter': 'receivable_rollbacks',
                                         'base': ['bills_issued']},
                             'rule': {'type': 'deduction', 'points_per_unit': 5}},
                            {'code': 'review_handling_rate',
                             'name': '发行前复核疑点处理率',
                             'kind': 'assessment',
                             'weight': 0.2,
                             'measure': {'type': 'ratio',
                                         'numerator': 'review_suspects_handled',
                                         'denominator': 'review_suspects'},
                             'rule': {'type': 'linear',
                                      'direction': 'higher_better',
                                      'zero_at': 0.9,
                                      'full_at': 1.0}}]},
            {'code': 'reconciliation',
             'name': '集中对账管理',
             'weight': 0.2,
             'indicators': [{'code': 'reconciliation_rate',
                             'name': '每月对账完成率',
                             'kind': 'assessment',
                             'weight': 0.7,
                             'measure': {'type': 'ratio', 'numerator': 'recon_done', 'denominator': 'recon_due'},
                             'rule': {'type': 'linear',
                                      'direction': 'higher_better',
                                      'zero_at': 0.95,
                                      'full_at': 1.0}},
                            {'code': 'next_day_writeoffs',
                             'name': '隔日抹账',
                             'kind': 'process',
                             'weight': 0.3,
                             'measure': {'type': 'count',
                                         'counter': 'writeoffs_next_day',
                                         'base': ['recon_due', 'bills_issued']},
                             'rule': {'type': 'deduction', 'points_per_unit': 10}}]}],
 'lights': {'recovery_rate': {'green': 0.999, 'yellow': 0.995}, 'arrears_progress': {'green': 1.0, 'yellow': 0.9}},
 'red_below': 60,
 'ticket_threshold': 80,
 'required_facts': ['readings_planned', 'bills_issued', 'recon_due'],
 'incomplete_stations': 'exclude'}


def upgrade() -> None:
    op.create_table(
        "scoring_org_units",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent", sa.Text),
        sa.Column("area_type", sa.Text),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_scoring_org_units"),
    )
    op.create_index("ix_scoring_org_units_parent", "scoring_org_units", ["parent"])
    schemes = op.create_table(
        "scoring_schemes",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Text, nullable=False),
        sa.Column("definition", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scoring_schemes"),
        sa.UniqueConstraint("code", name="uq_scoring_schemes_code"),
    )
    op.create_table(
        "scoring_counters",
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("counter", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("period", "unit", "counter", "source", name="pk_scoring_counters"),
    )
    op.create_table(
        "scoring_fact_batches",
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_scoring_fact_batches"),
    )
    op.create_table(
        "scoring_score_runs",
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("scheme", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("idempotency_key", sa.Text),
        sa.PrimaryKeyConstraint("period", "revision", name="pk_scoring_score_runs"),
        sa.UniqueConstraint("idempotency_key", name="uq_scoring_score_runs_idempotency_key"),
    )
    op.create_table(
        "scoring_scores",
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("rank", sa.Integer),
        sa.Column("detail", postgresql.JSONB, nullable=False),
        sa.Column("light", sa.Text),
        sa.PrimaryKeyConstraint("period", "revision", "unit", name="pk_scoring_scores"),
    )
    op.create_index("ix_scoring_scores_unit", "scoring_scores", ["unit"])
    op.create_table(
        "scoring_recovery_tasks",
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("arrears_carried_over", MONEY, nullable=False),
        sa.Column("annual_target", MONEY, nullable=False),
        sa.Column("profile", postgresql.JSONB, nullable=False),
        sa.PrimaryKeyConstraint("unit", "year", name="pk_scoring_recovery_tasks"),
    )
    op.create_table(
        "scoring_recovery_facts",
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("receivable", MONEY, nullable=False),
        sa.Column("collected", MONEY, nullable=False),
        sa.Column("arrears_recovered", MONEY, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit", "period", name="pk_scoring_recovery_facts"),
    )
    op.create_table(
        "scoring_recovery_lights",
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("light", sa.Text, nullable=False),
        sa.Column("metrics", postgresql.JSONB, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit", "period", name="pk_scoring_recovery_lights"),
    )
    op.execute(sa.insert(schemes).values(
        code=DEFAULT_SCHEME["code"], name=DEFAULT_SCHEME["name"], effective_from=DEFAULT_SCHEME["effective_from"],
        definition=DEFAULT_SCHEME, created_at=sa.func.now(),
    ))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
