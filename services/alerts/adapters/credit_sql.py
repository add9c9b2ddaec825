"""Set-based credit evaluation: the rules of domain/credit.py in SQL.

The same SQL evaluates every customer (full recompute) or one (incremental, per payment): the
customers scored from their bills, then graded, updated where something changed, with a history
row per grade change. The full recompute also writes its CreditGradeChanged / ArrearsRiskDetected
events straight into the outbox, so a million customers never pass through Python.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.domain import credit as rules
from shared.messaging.sql_events import outbox_insert

_RANK = "array_position(ARRAY['C','B','A','AA','AAA'], {g}) - 1"


def _rk(expr: str) -> str:
    return _RANK.format(g=expr)


def _as_of(as_of: date) -> str:
    return f"DATE '{as_of.isoformat()}'"  # a date object's ISO form: safe to inline


def _scored(as_of: date, one_customer: bool) -> str:
    """A SELECT of every customer (or one) with its payment metrics, score and forced-grade reasons:
    the part that reads all bills. It writes nothing, so PostgreSQL may run it in parallel."""
    d = _as_of(as_of)
    win = f"b.due_date > {d} - {rules.WINDOW_DAYS}"
    bill_filter = "AND b.customer_no = :customer_no" if one_customer else ""
    cust_filter = "WHERE c.customer_no = :customer_no" if one_customer else ""
    return f"""
  SELECT c.customer_no, c.unit, c.large, c.grade AS old_grade, c.at_risk AS old_risk, c.barred_until,
    c.theft_on, c.illegal_use_on, coalesce(m.arrears, 0) AS arrears, m.oldest_unpaid,
    CASE WHEN coalesce(m.bills, 0) = 0 THEN NULL ELSE round(least(100, greatest(0,
        {rules.W_ON_TIME} * m.on_time / m.bills
      + {rules.W_DAYS} * greatest(0, 1 - (m.days_late::float8 / m.bills) / {rules.DAYS_LATE_ZERO})
      + {rules.W_LATE} * greatest(0, 1 - m.late / {rules.LATE_COUNT_ZERO})
      + {rules.W_ARREARS} * greatest(0, 1 - CASE WHEN coalesce(m.avg_bill, 0) = 0 THEN 0
            ELSE m.arrears::float8 / ({rules.ARREARS_MONTHS_ZERO} * m.avg_bill::float8) END)
      - CASE WHEN c.theft_on > {d} - {rules.WINDOW_DAYS} OR c.illegal_use_on > {d} - {rules.WINDOW_DAYS}
             THEN {rules.VIOLATION_PENALTY} ELSE 0 END))::numeric, 2)::float8 END AS score,
    array_remove(ARRAY[
      CASE WHEN c.theft_on > {d} - {rules.THEFT_BAR_DAYS} THEN 'theft' END,
      CASE WHEN c.illegal_use_on > {d} - {rules.BAR_DAYS} THEN 'illegal_use' END,
      CASE WHEN c.old_arrears_no_agreement THEN 'old_arrears_without_agreement' END,
      CASE WHEN m.oldest_unpaid <= {d} - {rules.UNPAID_FORCE_DAYS} THEN 'unpaid_3_months' END
    ]::text[], NULL) AS forced
  FROM alerts_credit_customers c LEFT JOIN (
    SELECT b.customer_no,
      count(*) FILTER (WHERE {win}) AS bills,
      count(*) FILTER (WHERE {win} AND b.paid_on IS NOT NULL AND b.paid_on <= b.due_date) AS on_time,
      count(*) FILTER (WHERE {win} AND (b.paid_on > b.due_date OR (b.paid_on IS NULL AND b.due_date < {d}))) AS late,
      coalesce(sum(CASE WHEN NOT ({win}) THEN 0
                        WHEN b.paid_on > b.due_date THEN b.paid_on - b.due_date
                        WHEN b.paid_on IS NULL AND b.due_date < {d} THEN {d} - b.due_date
                        ELSE 0 END), 0) AS days_late,
      sum(greatest(b.amount_due - b.paid_amount, 0)) AS arrears,
      avg(b.amount_due) FILTER (WHERE {win}) AS avg_bill,
      min(b.due_date) FILTER (WHERE b.paid_amount < b.amount_due) AS oldest_unpaid
    FROM alerts_credit_bills b
    WHERE b.due_date <= {d} {bill_filter}
    GROUP BY b.customer_no
  ) AS m ON m.customer_no = c.customer_no
  {cust_filter}"""


def _grading_ctes(as_of: date, scored: str) -> str:
    """CTEs from the scored customers (`scored`, a relation named s) to the grade rules, the update of
    the changed customers (`upd`) and their history rows. Each step is MATERIALIZED: inlined, every
    reference to a computed column would compute it again (the score ~10 times per customer)."""
    d = _as_of(as_of)
    return f"""
t AS MATERIALIZED (
  SELECT s.*, coalesce(s.old_grade, '{rules.START_GRADE}') AS prev,
    CASE WHEN s.score IS NULL THEN '{rules.START_GRADE}' WHEN s.score >= 90 THEN 'AAA' WHEN s.score >= 80 THEN 'AA'
         WHEN s.score >= 70 THEN 'A' WHEN s.score >= 60 THEN 'B' ELSE 'C' END AS target,
    greatest(s.barred_until,
      CASE WHEN 'theft' = ANY(s.forced) THEN s.theft_on + {rules.THEFT_BAR_DAYS} END,
      CASE WHEN 'illegal_use' = ANY(s.forced) THEN s.illegal_use_on + {rules.BAR_DAYS} END,
      CASE WHEN s.forced && ARRAY['old_arrears_without_agreement', 'unpaid_3_months']::text[]
           THEN {d} + {rules.BAR_DAYS} END) AS new_barred
  FROM {scored}
), g AS MATERIALIZED (
  SELECT t.*,
    CASE WHEN cardinality(t.forced) > 0 THEN 'C'
         WHEN {_rk('t.target')} <= {_rk('t.prev')} THEN t.target
         WHEN t.new_barred IS NOT NULL AND {d} < t.new_barred THEN t.prev
         ELSE (ARRAY['C','B','A','AA','AAA'])[{_rk('t.prev')} + 2] END AS new_grade,
    CASE WHEN cardinality(t.forced) > 0 THEN t.forced
         WHEN {_rk('t.target')} <= {_rk('t.prev')} THEN ARRAY[]::text[]
         WHEN t.new_barred IS NOT NULL AND {d} < t.new_barred THEN ARRAY['promotion_barred']
         WHEN {_rk('t.target')} > {_rk('t.prev')} + 1 THEN ARRAY['one_grade_per_evaluation']
         ELSE ARRAY[]::text[] END AS new_reasons,
    CASE WHEN t.oldest_unpaid IS NULL THEN 0 ELSE ({d} - t.oldest_unpaid) / 30 END AS new_months_overdue
  FROM t
), upd AS (
  UPDATE alerts_credit_customers c SET
    grade = g.new_grade, score = g.score, arrears = g.arrears, months_overdue = g.new_months_overdue,
    reasons = to_jsonb(g.new_reasons), barred_until = g.new_barred,
    at_risk = (g.new_grade IN ('B', 'C') AND g.arrears > 0), evaluated_at = CAST(:now AS timestamptz)
  FROM g
  WHERE c.customer_no = g.customer_no AND (
    c.grade IS DISTINCT FROM g.new_grade OR c.score IS DISTINCT FROM g.score
    OR c.arrears IS DISTINCT FROM g.arrears OR c.barred_until IS DISTINCT FROM g.new_barred
    OR c.reasons IS DISTINCT FROM to_jsonb(g.new_reasons) OR c.months_overdue IS DISTINCT FROM g.new_months_overdue)
  RETURNING c.customer_no, c.unit, c.large, g.old_grade, c.grade AS new_grade, c.score, c.reasons, c.arrears,
    c.months_overdue, g.old_risk, c.at_risk,
    {_rk('c.grade')} < {_rk(f"coalesce(g.old_grade, '{rules.START_GRADE}')")} AS downgraded
), hist AS (
  INSERT INTO alerts_credit_history (customer_no, old_grade, new_grade, score, reasons, at)
  SELECT customer_no, old_grade, new_grade, score, reasons, CAST(:now AS timestamptz) FROM upd
  WHERE old_grade IS DISTINCT FROM new_grade
)"""


_GRADE_DATA = """jsonb_build_object('customer_no', x.customer_no, 'unit', x.unit, 'old_grade', x.old_grade,
      'new_grade', x.new_grade, 'score', coalesce(x.score, 0), 'reasons', x.reasons,
      'changed_at', CAST(:now_iso AS text))"""
_RISK_DATA = """jsonb_build_object('customer_no', x.customer_no, 'unit', x.unit, 'grade', x.new_grade,
      'score', coalesce(x.score, 0), 'arrears', x.arrears::text, 'months_overdue', x.months_overdue,
      'measures', CASE WHEN x.large THEN CAST(:measures_large AS jsonb) ELSE CAST(:measures AS jsonb) END,
      'detected_at', CAST(:now_iso AS text))"""


# The full recompute's scored customers: a temporary table filled by one read-only statement, which
# PostgreSQL can run with parallel workers (a statement that writes, as the grading one does, never
# gets them), then graded in a second statement and dropped (a rollback undoes its creation too).
_SCORED_TABLE = "alerts_credit_scored"


async def evaluate_all(session: AsyncSession, *, as_of: date, now: datetime, topic: str) -> dict[str, int]:
    """Re-grade every customer; events go to the outbox in the same transaction."""
    await session.execute(text(f"CREATE TEMPORARY TABLE {_SCORED_TABLE} AS {_scored(as_of, False)}"))
    await session.execute(text(f"ANALYZE {_SCORED_TABLE}"))
    sql = "WITH " + _grading_ctes(as_of, f"{_SCORED_TABLE} AS s") + f""",
ev_grade AS (
  {outbox_insert("CreditGradeChanged", rows="(SELECT * FROM upd WHERE downgraded)", subject="x.unit",
                 data=_GRADE_DATA)}
  RETURNING 1
), ev_risk AS (
  {outbox_insert("ArrearsRiskDetected", rows="(SELECT * FROM upd WHERE at_risk AND NOT old_risk)",
                 subject="x.unit", data=_RISK_DATA)}
  RETURNING 1
)
SELECT (SELECT count(*) FROM upd) AS changed, (SELECT count(*) FROM ev_grade) AS downgraded,
       (SELECT count(*) FROM ev_risk) AS at_risk"""
    row = (await session.execute(text(sql), {
        "now": now, "now_iso": now.isoformat(), "topic": topic,
        "measures": json.dumps(rules.measures(False), ensure_ascii=False),
        "measures_large": json.dumps(rules.measures(True), ensure_ascii=False),
    })).mappings().one()
    await session.execute(text(f"DROP TABLE {_SCORED_TABLE}"))
    return dict(row)


async def evaluate_one(session: AsyncSession, customer_no: str, *, as_of: date, now: datetime) -> dict[str, Any] | None:
    """Re-grade one customer; the change (if any) is returned for the caller to emit its events."""
    sql = (f"WITH s AS MATERIALIZED ({_scored(as_of, True)}\n), " + _grading_ctes(as_of, "s")
           + "\nSELECT * FROM upd")
    row = (await session.execute(text(sql), {"now": now, "customer_no": customer_no})).mappings().first()
    return dict(row) if row else None
