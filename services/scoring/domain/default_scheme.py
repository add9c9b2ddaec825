"""The default scheme of DESIGN §4.2 (stage weights from the paper; indicators ours)."""

from __future__ import annotations

from typing import Any


def _ind(code: str, name: str, kind: str, weight: float, measure: dict[str, Any],
         rule: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, "weight": weight, "measure": measure, "rule": rule}


def _ratio(num: str, den: str) -> dict[str, Any]:
    return {"type": "ratio", "numerator": num, "denominator": den}


def _count(counter: str, *base: str) -> dict[str, Any]:
    """A count of incidents; `base`: the counters (any one) whose presence shows the station's month
    was reported, so that an incident counter it did not send reads as 0 incidents."""
    return {"type": "count", "counter": counter, **({"base": list(base)} if base else {})}


def _linear(direction: str, zero_at: float, full_at: float) -> dict[str, Any]:
    return {"type": "linear", "direction": direction, "zero_at": zero_at, "full_at": full_at}


def _deduction(points: float) -> dict[str, Any]:
    return {"type": "deduction", "points_per_unit": points}


DEFAULT_SCHEME: dict[str, Any] = {
    "code": "default", "name": "精细化核算考核指标库（默认）", "effective_from": "2000-01",
    "stages": [
        {"code": "reading", "name": "抄表管理", "weight": 0.3, "indicators": [
            _ind("reading_completion_rate", "抄表完成率", "assessment", 0.4,
                 _ratio("readings_done", "readings_planned"), _linear("higher_better", 0.98, 1.0)),
            _ind("one_stop_rate", "抄表缴费一站妥", "assessment", 0.3,
                 _ratio("one_stop_done", "one_stop_due"), _linear("higher_better", 0.9, 1.0)),
            _ind("overdue_uploads", "超时上装", "process", 0.3,
                 {**_count("uploads_overdue", "readings_planned"),
                  "per": {"counter": "readings_planned", "unit": 10000}},
                 _deduction(10)),
        ]},
        {"code": "review", "name": "电费复核管理", "weight": 0.5, "indicators": [
            # Weights 0.4/0.2/0.2/0.2 (migration 0016): without review data the stage re-normalises to the
            # former 0.5/0.25/0.25, so a station that does not use bill review scores as before.
            _ind("bill_error_rate", "账单差错率", "assessment", 0.4,
                 _ratio("bills_erroneous", "bills_issued"), _linear("lower_better", 0.0005, 0.0)),
            _ind("overdue_anomalies", "异常整改未完成", "process", 0.2,
                 _count("anomalies_overdue", "bills_issued", "readings_planned"), _deduction(5)),
            _ind("receivable_rollbacks", "应收回退", "process", 0.2,
                 _count("receivable_rollbacks", "bills_issued"), _deduction(5)),
            # Suspects of the pre-release review decided (confirmed or cleared) out of those raised; no
            # review, or no suspect, is no data (0/0 is neither 0 nor 100).
            _ind("review_handling_rate", "发行前复核疑点处理率", "assessment", 0.2,
                 _ratio("review_suspects_handled", "review_suspects"), _linear("higher_better", 0.9, 1.0)),
        ]},
        {"code": "reconciliation", "name": "集中对账管理", "weight": 0.2, "indicators": [
            _ind("reconciliation_rate", "每月对账完成率", "assessment", 0.7,
                 _ratio("recon_done", "recon_due"), _linear("higher_better", 0.95, 1.0)),
            _ind("next_day_writeoffs", "隔日抹账", "process", 0.3,
                 _count("writeoffs_next_day", "recon_due", "bills_issued"), _deduction(10)),
        ]},
    ],
    "lights": {"recovery_rate": {"green": 0.999, "yellow": 0.995},
               "arrears_progress": {"green": 1.0, "yellow": 0.9}},
    "red_below": 60, "ticket_threshold": 80,
    # The volume of each stage's work: without them no stage's assessment can be computed (docs/scoring.md).
    "required_facts": ["readings_planned", "bills_issued", "recon_due"],
    "incomplete_stations": "exclude",
}
