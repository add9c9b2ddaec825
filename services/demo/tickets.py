"""Audit tickets (稽核工作传单) by hand: one walk per target state, some left to run overdue."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

WALKS: dict[str, tuple[str, ...]] = {
    "issued": (),
    "coordinated": ("coordinate",),
    "received": ("coordinate", "receive"),
    "investigating": ("coordinate", "receive", "start_investigation"),
    "reported": ("coordinate", "receive", "start_investigation", "report"),
    "closed": ("coordinate", "receive", "start_investigation", "report", "close"),
    "reopened": ("coordinate", "receive", "start_investigation", "report", "close", "reopen"),
}
ROLE_OF = {"coordinate": "marketing", "receive": "audit_center", "start_investigation": "audit_center",
           "report": "audit_center", "close": "customer_service", "reopen": "customer_service"}
# Hours after the ticket is raised at which each action happens.
HOURS_AFTER = {"coordinate": 4, "receive": 22, "start_investigation": 26, "report": 70, "close": 96, "reopen": 120}
# (walk, days ago raised): fresh ones within their deadline, older ones overdue and escalated.
MANUAL = (("issued", 0.1), ("issued", 9), ("coordinated", 2), ("received", 1.2), ("received", 16),
          ("investigating", 2), ("investigating", 20), ("reported", 6), ("reported", 25), ("closed", 30),
          ("closed", 45), ("closed", 60), ("reopened", 21))
REASONS = ("manual", "unrectified_anomalies")
DETAILS = (
    "{name}异常工单整改不到位，多笔异常超期未处理，请营销部协调稽查中心核查",
    "{name}连续两个月抄表完成率未达标，请核查抄表路线与人员安排",
    "{name}账单差错率偏高，客户投诉集中，请开展专项稽查",
    "{name}隔日抹账次数增多，请核查收费环节内控执行情况",
)
FACTS = {
    "coordinate": {"note": "已协调营销稽查中心受理"},
    "receive": {"note": "稽查中心已受理"},
    "start_investigation": {"note": "稽查人员已赴现场核查"},
    "report": {"findings": "现场核查发现抄表路线调整后未及时更新计划，部分异常未闭环",
               "root_cause": "班组交接不清、异常跟踪台账缺失",
               "rectification": "已重排抄表路线并建立异常闭环台账（附整改照片与台账截图）"},
    "close": {"root_cause": "班组交接不清、异常跟踪台账缺失",
              "rectification": "整改完成，复查通过（复查记录 FC-001）",
              "accountability_decision": "对责任班组通报批评，扣减当月绩效"},
    "reopen": {"note": "复查发现问题反弹，重新启动调查"},
}


@dataclass(frozen=True)
class PlannedTicket:
    unit: str
    name: str
    period: str
    reason: str
    detail: str
    walk: tuple[str, ...]
    days_ago: float


def plan(rng: random.Random, weak_units: Sequence[tuple[str, str]], periods: Sequence[str]) -> list[PlannedTicket]:
    """weak_units: (code, name) of stations doing poorly. Each ticket has its own (period, reason), so
    none collides with another open one of its unit (or with the automatic low-score ones)."""
    out = []
    for i, (target, days_ago) in enumerate(MANUAL):
        code, name = weak_units[i % len(weak_units)]
        period = periods[-1 - i % len(periods)]
        out.append(PlannedTicket(code, name, period, REASONS[(i // len(periods)) % len(REASONS)],
                                 rng.choice(DETAILS).format(name=name), WALKS[target], days_ago))
    return out


def auto_walk(age: int, k: int) -> tuple[str, ...]:
    """How far the k-th automatically raised ticket of a month has got, by the month's age: older
    months' tickets are closed (5 working days to investigate, the paper); of last month's, a third
    each are closed, reported (waiting to be closed) and still under investigation."""
    if age >= 1:
        return WALKS["closed"]
    return (WALKS["closed"], WALKS["reported"], WALKS["investigating"])[k % 3]
