"""The review rules as SQL: one statement screens a period's bills with every enabled rule into a
temporary table of hits (one row per bill and rule), set-based — no Python loop per bill.

Each bill is joined once with the tariff in force for the period and with the customer's bills of the
previous period (their kWh and multiplier). Thresholds come from the rule set as parameters; messages
are built in SQL, in Chinese, with the figures that tripped the rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

HITS = "review_hits"

_CATEGORY_ZH = {"resident": "居民", "commercial": "一般工商业", "industrial": "工业",
                "large_industrial": "大工业", "agricultural": "农业"}


def _zh(column: str) -> str:
    cases = " ".join(f"WHEN '{en}' THEN '{zh}'" for en, zh in _CATEGORY_ZH.items())
    return f"(CASE {column} {cases} ELSE {column} END)"


def _n(expr: str) -> str:
    """A number as people write it (no trailing zeros)."""
    return f"trim_scale(({expr})::numeric)"


# rule → (condition, message); :name placeholders are the rule's thresholds.
_RULES: dict[str, tuple[str, str]] = {
    "reading_reversed": (
        "b.curr_reading < b.prev_reading AND NOT b.meter_changed",
        f"format('本月示数 %s 小于上月示数 %s，且未登记换表', {_n('b.curr_reading')}, {_n('b.prev_reading')})"),
    "kwh_mismatch": (
        "NOT b.meter_changed AND abs(b.kwh - (b.curr_reading - b.prev_reading) * b.multiplier) > :tolerance_kwh",
        "format('电量 %s kWh 与（本月示数−上月示数）×倍率 = %s kWh 不符，相差 %s kWh（容差 %s）', "
        f"{_n('b.kwh')}, {_n('(b.curr_reading - b.prev_reading) * b.multiplier')}, "
        f"{_n('abs(b.kwh - (b.curr_reading - b.prev_reading) * b.multiplier)')}, {_n(':tolerance_kwh')})"),
    "tou_sum": (
        "num_nonnulls(b.kwh_peak, b.kwh_flat, b.kwh_valley) > 0 AND abs(coalesce(b.kwh_peak, 0)"
        " + coalesce(b.kwh_flat, 0) + coalesce(b.kwh_valley, 0) - b.kwh) > :tolerance_kwh",
        "format('峰平谷电量之和 %s kWh 与总电量 %s kWh 不符（容差 %s）', "
        f"{_n('coalesce(b.kwh_peak, 0) + coalesce(b.kwh_flat, 0) + coalesce(b.kwh_valley, 0)')}, "
        f"{_n('b.kwh')}, {_n(':tolerance_kwh')})"),
    "zero_kwh": (
        "b.kwh = 0 AND b.last_kwh >= :min_last_month_kwh",
        f"format('本月电量为零，上月 %s kWh', {_n('b.last_kwh')})"),
    "surge": (
        "b.last_kwh >= :min_last_month_kwh AND b.kwh > :factor * b.last_kwh",
        f"format('本月电量 %s kWh 超过上月 %s kWh 的 %s 倍', {_n('b.kwh')}, {_n('b.last_kwh')}, {_n(':factor')})"),
    "drop": (
        "b.last_kwh >= :min_last_month_kwh AND b.kwh > 0 AND b.kwh < :factor * b.last_kwh",
        f"format('本月电量 %s kWh 不足上月 %s kWh 的 %s 倍', {_n('b.kwh')}, {_n('b.last_kwh')}, {_n(':factor')})"),
    "tariff_category": (
        "b.tariff_category IS DISTINCT FROM b.category",
        "CASE WHEN b.tariff_category IS NULL THEN format('电价代码 %s 在本期没有电价', b.tariff_code)"
        f" ELSE format('电价代码 %s 属于%s类，账单为%s类', b.tariff_code, {_zh('b.tariff_category')},"
        f" {_zh('b.category')}) END"),
    "amount_mismatch": (
        # |Δ| > greatest(a, b) written as |Δ| > a AND |Δ| > b: most bills fail the first test already.
        "b.price IS NOT NULL AND abs(b.amount - b.kwh * b.price) > :tolerance_yuan"
        " AND abs(b.amount - b.kwh * b.price) > :tolerance_share * abs(b.amount)",
        "format('电费 %s 元与电量×电价 = %s 元不符，相差 %s 元', "
        f"{_n('b.amount')}, {_n('round(b.kwh * b.price, 2)')}, {_n('round(abs(b.amount - b.kwh * b.price), 2)')})"),
    "multiplier_changed": (
        "b.prev_multiplier IS NOT NULL AND b.multiplier <> b.prev_multiplier",
        f"format('倍率 %s 与上期 %s 不同', {_n('b.multiplier')}, {_n('b.prev_multiplier')})"),
}


# The customers' previous-period bills: summed per customer, or (each customer once there) as they are.
_PREV_SUMMED = ("SELECT customer_no, review_kwh_sum(kwh) AS kwh, max(multiplier) AS multiplier FROM review_bills"
                " WHERE period = $2 GROUP BY customer_no")
_PREV_ROWS = "SELECT customer_no, kwh, multiplier FROM review_bills WHERE period = $2"


def screen_sql(rules: dict[str, dict[str, Any]], scoped: bool, summed: bool = True) -> tuple[str, list[Any]]:
    """CREATE TEMP TABLE review_hits AS …; parameters $1 period, $2 previous period, [$3 units], then thresholds.
    `summed`: the previous period's bills are summed per customer; False only when each customer had at most
    one bill there (review_units.customers_unique), so that a row-by-row join gives the same figures."""
    params: list[Any] = []
    base = 3 if scoped else 2

    def bind(value: Any) -> str:
        # As written (0.3, not the binary float's 0.29999999999999998889…): exact, and cheaper to multiply by.
        params.append(Decimal(str(value)))
        return f"${base + len(params)}::numeric"

    flags, conditions, severities, messages = [], [], [], []
    for code, (condition, message) in _RULES.items():
        cfg = rules.get(code)
        if cfg is None or not cfg.get("enabled", True):
            continue
        for name, value in cfg.get("thresholds", {}).items():
            if f":{name}" not in condition + message:
                continue
            placeholder = bind(value)
            condition = condition.replace(f":{name}", placeholder)
            message = message.replace(f":{name}", placeholder)
        flags.append(f"CASE WHEN {condition} THEN '{code}' END")
        conditions.append(condition)
        severities.append(f"WHEN '{code}' THEN '{cfg['severity'].replace(chr(39), '')}'")
        messages.append(f"WHEN '{code}' THEN {message}")
    if not flags:
        flags, conditions, severities, messages = ["NULL"], ["false"], ["WHEN '' THEN ''"], ["WHEN '' THEN ''"]
    scope = " AND bill.unit = ANY($3::text[])" if scoped else ""
    # One pass over the bills: a row passes the WHERE only if some rule fires (plain comparisons, no
    # per-row array); only those few get the array of their rules, unnested, and their messages formatted.
    sql = (
        f"CREATE TEMP TABLE {HITS} ON COMMIT DROP AS WITH"
        " tariff AS (SELECT DISTINCT ON (code) code, category, price FROM review_tariffs"
        "  WHERE effective_from <= $1 ORDER BY code, effective_from DESC),"
        f" prev AS ({_PREV_SUMMED if summed else _PREV_ROWS}),"
        " b AS (SELECT bill.bill_id, bill.unit, bill.customer_no, bill.category, bill.tariff_code,"
        "  bill.multiplier, bill.prev_reading, bill.curr_reading, bill.kwh, bill.amount, bill.kwh_peak,"
        "  bill.kwh_flat, bill.kwh_valley, bill.meter_changed, coalesce(bill.last_month_kwh, prev.kwh) AS last_kwh,"
        "  prev.multiplier AS prev_multiplier, tariff.category AS tariff_category, tariff.price"
        "  FROM review_bills bill LEFT JOIN prev ON prev.customer_no = bill.customer_no"
        f"  LEFT JOIN tariff ON tariff.code = bill.tariff_code WHERE bill.period = $1{scope}),"
        " hit AS (SELECT b.*, unnest(array_remove(ARRAY[" + ", ".join(flags) + "]::text[], NULL)) AS rule"
        "  FROM b WHERE " + " OR ".join(f"({c})" for c in conditions) + ")"
        " SELECT b.bill_id, b.unit, b.customer_no, b.rule,"
        " CASE b.rule " + " ".join(severities) + " END AS severity,"
        " CASE b.rule " + " ".join(messages) + " END AS message FROM hit b"
    )
    return sql, params
