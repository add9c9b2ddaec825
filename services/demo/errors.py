"""Billing errors (差错) of every category and nature, heavier at struggling stations."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.demo.profiles import BAD, WEAK

CATEGORIES = ("reading", "tariff", "billing_parameter", "collection", "other")
NATURES = ("clerical", "negligence", "violation", "fraud")
_TEXT = {
    "reading": "抄表数据录入错误，表码少抄 {n} 千瓦时",
    "tariff": "电价套用错误：居民生活用电误套一般工商业电价（{n} 户）",
    "billing_parameter": "计量倍率参数设置错误，CT 变比应为 {n}/5",
    "collection": "收费员将电费误记入他户账户，涉及 {n} 笔",
    "other": "业扩流程资料缺失导致计费延迟 {n} 天",
}
ROOT_CAUSES = ("复核环节未按规定逐户核对", "系统参数变更未经审批", "抄表员未按路线现场核实", "业务交接资料不全")
MEASURES = ("增加电费复核双人签字环节", "参数变更纳入流程审批并留痕", "开展抄表规范专项培训", "建立业务交接清单")
DECISIONS = ("责任人通报批评，扣减当月绩效", "提醒谈话并纳入季度考核", "对责任班组考核扣分", "移交纪检部门问责")


@dataclass(frozen=True)
class PlannedError:
    period: str
    body: dict[str, object]
    fate: str  # reported | root_caused | rectified | closed


def plan(rng: random.Random, health: Mapping[str, Sequence[str]], periods: Sequence[str]) -> list[PlannedError]:
    """Every category × nature once, extra errors where health is poor, a few graded `accountability`."""
    units = sorted(health)
    combos = [(c, n) for c in CATEGORIES for n in NATURES]
    extra = [(rng.choice(CATEGORIES), rng.choice(("clerical", "negligence"))) for _ in range(len(units) // 3 + 5)]
    out: list[PlannedError] = []
    for k, (category, nature) in enumerate(combos + extra):
        m = rng.randrange(len(periods))
        poor = [u for u in units if health[u][m] in (BAD, WEAK)]
        unit = rng.choice(poor if poor and rng.random() < 0.8 else units)
        grave = nature in ("fraud", "violation") and k % 2 == 0
        amount = (rng.uniform(100_000, 400_000) if grave else rng.uniform(10_000, 99_000) if nature == "violation"
                  else rng.uniform(20, 950) if nature == "clerical" else rng.uniform(300, 9_000))
        sign = -1 if rng.random() < 0.6 else 1
        age = len(periods) - 1 - m
        fate = "closed" if age >= 3 else ("rectified" if age == 2 else "root_caused" if age == 1 else "reported")
        if k % 7 == 3:
            fate = "reported"  # some stay open: cause not found, not let go
        out.append(PlannedError(periods[m], {
            "unit": unit, "period": periods[m], "category": category, "nature": nature,
            "amount": f"{sign * amount:.2f}", "description": _TEXT[category].format(n=rng.randint(2, 300)),
            "customer_no": f"03{rng.randint(1, 99_999_999):08d}",
            "evidence": f"稽查底稿 JC-{periods[m].replace('-', '')}-{k + 1:03d}",
        }, fate))
    return out


def closing_facts(rng: random.Random) -> dict[str, str]:
    return {"root_cause": rng.choice(ROOT_CAUSES), "prevention_measure": rng.choice(MEASURES),
            "accountability_decision": rng.choice(DECISIONS)}
