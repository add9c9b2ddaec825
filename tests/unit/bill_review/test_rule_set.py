"""The rule set's domain: defaults, merging changes, refusing unknown rules and bad thresholds."""

from __future__ import annotations

from typing import get_args

import pytest

from services.bill_review.domain import periods, suspects
from services.bill_review.domain.rules import BY_CODE, InvalidRuleSet, default_rule_set, merge_rule_set
from shared.events.review import ReviewRule


def test_the_contract_rule_codes_are_the_rules():
    assert set(BY_CODE) == set(get_args(ReviewRule))
    assert default_rule_set()["drop"] == {"enabled": True, "severity": "warning",
                                          "thresholds": {"min_last_month_kwh": 100, "factor": 0.3}}


def test_merge_changes_only_what_is_named():
    current = default_rule_set()
    merged = merge_rule_set(current, {"surge": {"thresholds": {"factor": 5}}, "drop": {"enabled": False},
                                      "tou_sum": {"severity": "critical"}})
    assert merged["surge"]["thresholds"] == {"min_last_month_kwh": 100, "factor": 5}
    assert merged["drop"]["enabled"] is False and merged["tou_sum"]["severity"] == "critical"
    assert {k: v for k, v in merged.items() if k not in ("surge", "drop", "tou_sum")} == {
        k: v for k, v in current.items() if k not in ("surge", "drop", "tou_sum")}
    assert current["surge"]["thresholds"]["factor"] == 3  # not mutated


def test_a_stored_set_missing_a_rule_gets_its_defaults():
    partial = {k: v for k, v in default_rule_set().items() if k != "zero_kwh"}
    assert merge_rule_set(partial, {})["zero_kwh"] == default_rule_set()["zero_kwh"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"speeding": {}}, "body.rules.speeding"),
    ({"surge": {"thresholds": {"colour": 1}}}, "body.rules.surge.thresholds.colour"),
    ({"surge": {"thresholds": {"factor": -0.1}}}, "body.rules.surge.thresholds.factor"),
    ({"surge": {"thresholds": {"factor": True}}}, "body.rules.surge.thresholds.factor"),
    ({"surge": {"severity": "fatal"}}, "body.rules.surge.severity"),
    ({"reading_reversed": {"thresholds": {"tolerance_kwh": 1}}},
     "body.rules.reading_reversed.thresholds.tolerance_kwh"),
])
def test_invalid_changes_name_the_field(changes, field):
    with pytest.raises(InvalidRuleSet) as exc:
        merge_rule_set(default_rule_set(), changes)
    assert [p["field"] for p in exc.value.problems] == [field]


def test_previous_period_and_decisions():
    assert periods.previous("2026-01") == "2025-12" and periods.previous("2026-10") == "2026-09"
    suspects.check_open("open", 1)
    with pytest.raises(suspects.AlreadyDecided):
        suspects.check_open("cleared", 1)
    assert [suspects.default_error_category(r) for r in ("surge", "amount_mismatch", "multiplier_changed")] == [
        "reading", "tariff", "billing_parameter"]
