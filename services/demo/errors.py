"""Billing errors (差错) as a bureau aiming at 零差错 records them: few, mostly clerical slips or
negligence, a violation now and then, fraud about once a year.

A station reports an error in ~8 % of its good months (more when it struggles). The grading
(audit_link: amount band + nature + repetition) then gives mostly 提醒 (reminder) and 通报批评
(notice), some 考核 (assessment) for repeated or larger negligence and violations, and 问责
(accountability) for the fraud case and a rare repeated violation. Most errors touch one bill; a
tariff applied to a whole batch (误套电价) touches tens to hundreds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.demo.profiles import BAD, GOOD, WEAK

CATEGORIES = ("reading", "tariff", "billing_parameter", "collection", "other")
NATURES = ("clerical", "negligence", "violation", "fraud")
# Chance that a station reports an error in a month, by its health that month.
MONTHLY_CHANCE = {GOOD: 0.08, WEAK: 0.3, BAD: 0.55}
NATURE_WEIGHTS = {"clerical": 62, "negligence": 32, "violation": 5, "fraud": 1}
CATEGORY_WEIGHTS = {
    "clerical": {"reading": 45, "billing_parameter": 18, "tariff": 17, "collection": 15, "other": 5},
    "negligence": {"reading": 30, "tariff": 25, "billing_parameter": 25, "collection": 10, "other": 10},
    "violation": {"collection": 40, "tariff": 30, "other": 30},
    "fraud": {"collection": 70, "reading": 30},
}
# Amount in yuan: (share, low, high) bands per nature; clerical slips are mostly under ¥1 000.
AMOUNTS = {
    "clerical": ((0.85, 20, 950), (0.15, 1_000, 4_800)),
    "negligence": ((0.6, 200, 980), (0.4, 1_000, 9_000)),
    "violation": ((1.0, 2_000, 9_800),),  # 考核; 问责 only when it happens a third time
    "fraud": ((1.0, 30_000, 180_000),),
}
_TEXT = {
    ("reading", "clerical"): "抄表数据录入错误，表码少抄 {kwh} 千瓦时",
    ("reading", "negligence"): "抄表员未到现场核实，估抄电量 {kwh} 千瓦时",
    ("reading", "fraud"): "抄表员虚抄表码，{n} 户电量长期估抄并截留差额",
    ("tariff", "clerical"): "电价套用错误：居民生活用电误套一般工商业电价（{n} 户）",
    ("tariff", "negligence"): "峰谷分时电价未按新文件调整，复核未发现（{n} 户）",
    ("tariff", "violation"): "擅自对 {n} 户执行优惠电价，无审批手续",
    ("billing_parameter", "clerical"): "计量倍率参数录入错误，CT 变比应为 {ct}/5",
    ("billing_parameter", "negligence"): "换表后倍率未更新，复核环节未核对（{n} 户）",
    ("collection", "clerical"): "收费员将电费误记入他户账户，涉及 {n} 笔",
    ("collection", "negligence"): "代收款未及时销账，造成客户重复缴费 {n} 笔",
    ("collection", "violation"): "违规减免违约金，未经审批，涉及 {n} 笔",
    ("collection", "fraud"): "收费员挪用客户缴纳电费，涉及 {n} 笔",
    ("other", "clerical"): "业扩流程资料缺失导致计费延迟 {days} 天",
    ("other", "negligence"): "新装客户立户信息未复核，计费延迟 {days} 天",
    ("other", "violation"): "违规为关系户调整计费起始日期，涉及 {n} 户",
}
ROOT_CAUSES = ("复核环节未按规定逐户核对", "系统参数变更未经审批", "抄表员未按路线现场核实", "业务交接资料不全")
MEASURES = ("增加电费复核双人签字环节", "参数变更纳入流程审批并留痕", "开展抄表规范专项培训", "建立业务交接清单")
# The decision follows the level audit_link graded (提醒 / 通报批评 / 考核 / 问责).
DECISIONS = {
    "reminder": ("提醒谈话，纳入班组月度考核", "责任人书面说明并提醒"),
    "notice": ("责任人通报批评", "对责任班组通报批评"),
    "assessment": ("责任人考核扣分，扣减当月绩效", "对责任人及班组长考核扣分"),
    "accountability": ("移交纪检部门问责",),
}


@dataclass(frozen=True)
class PlannedError:
    period: str
    body: dict[str, object]
    fate: str  # reported | root_caused | rectified | closed

    @property
    def bills_affected(self) -> int:
        bills = self.body.get("bills_affected", 1)
        assert isinstance(bills, int), bills  # the plan writes a count, never text
        return bills


def _pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _amount(rng: random.Random, nature: str) -> float:
    r = rng.random()
    for share, low, high in AMOUNTS[nature]:
        if r < share:
            return rng.uniform(low, high)
        r -= share
    raise AssertionError("amount shares sum to 1")


def _bills(rng: random.Random, category: str, nature: str) -> int:
    """Bills the error touches: one, except batches (a tariff for a whole group, a multiplier for a
    transformer area, a collector's several receipts)."""
    if nature in ("violation", "fraud"):
        return rng.randint(3, 40)
    if category == "tariff" and rng.random() < 0.25:
        return rng.randint(20, 300)
    if category == "billing_parameter" and rng.random() < 0.1:
        return rng.randint(2, 12)
    return 1 if rng.random() < 0.95 else rng.randint(2, 5)


def _text(category: str, nature: str, bills: int, rng: random.Random) -> str:
    template = _TEXT.get((category, nature)) or _TEXT[(category, "clerical")]
    return template.format(n=bills, kwh=rng.randint(30, 2400), ct=rng.choice((50, 75, 100, 150, 200, 300)),
                           days=rng.randint(3, 20))


def _fate(age: int, k: int) -> str:
    if k % 7 == 3 and age <= 2:
        return "reported"  # some recent ones stay open: cause not found yet, not let go (查不清原因不放过)
    return "closed" if age >= 3 else ("rectified" if age == 2 else "root_caused" if age == 1 else "reported")


def plan(rng: random.Random, health: Mapping[str, Sequence[str]], periods: Sequence[str],
         current: str | None = None, billed_now: Sequence[str] = ()) -> list[PlannedError]:
    """Errors month by month (oldest first). Every nature occurs at least once: when the draw had no
    violation or no fraud, one is added at a struggling station early in the year. `current`: the
    month under way, where only stations that have issued their bills (`billed_now`) can have had
    an error found yet."""
    units = sorted(health)
    drawn: list[tuple[int, str, str]] = []  # (month index, unit, nature)
    for m in range(len(periods)):
        for unit in units:
            if rng.random() < MONTHLY_CHANCE[health[unit][m]]:
                drawn.append((m, unit, _pick(rng, NATURE_WEIGHTS)))
    poor = [u for u in units if any(h == BAD for h in health[u])] or units
    for nature, month in (("violation", 2), ("fraud", 1)):
        if not any(n == nature for _, _, n in drawn):
            drawn.append((min(month, len(periods) - 1), rng.choice(poor), nature))
    drawn.sort()
    months = list(periods)
    if current is not None:
        months.append(current)
        drawn += [(len(periods), u, _pick(rng, {"clerical": 2, "negligence": 1}))
                  for u in sorted(billed_now) if rng.random() < 0.04]
    categories = _every_category_once(rng, drawn)
    out: list[PlannedError] = []
    for k, ((m, unit, nature), category) in enumerate(zip(drawn, categories, strict=True)):
        bills = _bills(rng, category, nature)
        amount = _amount(rng, nature)
        if category == "tariff" and bills >= 20:  # a batch: a small sum on each of many bills
            amount = bills * rng.uniform(8, 45)
        sign = -1 if rng.random() < 0.6 else 1
        period = months[m]
        out.append(PlannedError(period, {
            "unit": unit, "period": period, "category": category, "nature": nature,
            "amount": f"{sign * amount:.2f}", "bills_affected": bills,
            "description": _text(category, nature, bills, rng),
            "customer_no": f"03{rng.randint(1, 99_999_999):08d}" if bills == 1 else None,  # a batch: many
            "evidence": f"稽查底稿 JC-{period.replace('-', '')}-{k + 1:03d}",
        }, "reported" if m == len(periods) else _fate(len(periods) - 1 - m, k)))
    return out


def _every_category_once(rng: random.Random, drawn: Sequence[tuple[int, str, str]]) -> list[str]:
    """Each error's category by its nature; a category that did not come up takes over one slip of
    the commonest category, so a newcomer sees every kind (a small demo has only ~25 errors)."""
    categories = [_pick(rng, CATEGORY_WEIGHTS[nature]) for _, _, nature in drawn]
    for missing in (c for c in CATEGORIES if c not in categories):
        common = max(CATEGORIES, key=categories.count)
        slips = [i for i, (_, _, nature) in enumerate(drawn) if categories[i] == common
                 and nature in ("clerical", "negligence")]
        if slips:
            categories[rng.choice(slips)] = missing
    return categories


def closing_facts(rng: random.Random, level: str = "reminder") -> dict[str, str]:
    return {"root_cause": rng.choice(ROOT_CAUSES), "prevention_measure": rng.choice(MEASURES),
            "accountability_decision": rng.choice(DECISIONS[level])}
