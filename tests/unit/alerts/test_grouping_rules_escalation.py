"""Pure rules of issue 16: group keys and flush plans, severity and inhibition rules, working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.alerts.domain import escalation, grouping, rules
from services.alerts.domain.silences import Matcher
from services.alerts.domain.status import status
from shared.calendar import CalendarData, CalendarMissing

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
# 2025: 1–8 Oct off, Sunday 28 Sep and Saturday 11 Oct worked (调休)
CAL = CalendarData.of([2025], holidays=[date(2025, 10, d) for d in range(1, 9)],
                      workdays=[date(2025, 9, 28), date(2025, 10, 11)])


def test_group_key_by_labels_and_one_group_per_alert() -> None:
    labels = {"unit": "QY-QC-01", "type": "ArrearsRiskDetected", "customer_no": "C1", "severity": "warning"}
    key, values = grouping.group_of(["unit", "type"], labels, "fp1")
    assert values == {"type": "ArrearsRiskDetected", "unit": "QY-QC-01"}
    assert grouping.group_of(["type", "unit"], {**labels, "customer_no": "C2"}, "fp2")[0] == key
    assert grouping.group_of(["..."], labels, "fp1")[1] == {"fingerprint": "fp1"}
    assert grouping.link(values) == "/api/v1/alerts?type=ArrearsRiskDetected&unit=QY-QC-01"
    assert grouping.link({"grade": "C"}) == "/api/v1/alerts?label=grade%3DC"


def _times(sent: datetime | None = None, sent_firing: bool = False) -> grouping.GroupTimes:
    return grouping.GroupTimes(T0, sent, sent, sent_firing)


def test_flush_plan_new_repeat_nothing_resolved() -> None:
    new = [grouping.Member(1, "warning", "firing", None), grouping.Member(2, "warning", "firing", "warning")]
    heard = [grouping.Member(2, "warning", "firing", "warning")]
    plan = grouping.plan_flush(_times(), new, now=T0, repeat_interval_s=3600, send_resolved=True)
    assert plan == grouping.FlushPlan("firing", False, T0 + timedelta(hours=1))
    quiet = grouping.plan_flush(_times(T0, True), heard, now=T0 + timedelta(minutes=5), repeat_interval_s=3600,
                                send_resolved=True)
    assert quiet == grouping.FlushPlan(None, False, T0 + timedelta(hours=1))
    again = grouping.plan_flush(_times(T0, True), heard, now=T0 + timedelta(hours=1), repeat_interval_s=3600,
                                send_resolved=True)
    assert again.send == "repeat"
    escalated = [grouping.Member(2, "critical", "firing", "warning")]  # severity moved: news
    assert grouping.plan_flush(_times(T0, True), escalated, now=T0, repeat_interval_s=None,
                               send_resolved=True).send == "firing"
    done = [grouping.Member(2, "warning", "resolved", "warning")]
    assert grouping.plan_flush(_times(T0, True), done, now=T0, repeat_interval_s=None,
                               send_resolved=True) == grouping.FlushPlan("resolved", True, None)
    assert grouping.plan_flush(_times(T0, True), done, now=T0, repeat_interval_s=None,
                               send_resolved=False).send is None
    assert grouping.plan_flush(_times(T0, True), [], now=T0, repeat_interval_s=None,
                               send_resolved=True) == grouping.FlushPlan(None, True, None)  # its alerts moved away
    held = [grouping.Member(3, "warning", "suppressed", None)]  # inhibited/silenced: not told
    assert grouping.plan_flush(_times(), held, now=T0, repeat_interval_s=None, send_resolved=True).send is None


def test_status_is_the_one_definition() -> None:
    assert status("firing", silenced=False, inhibited=False) == "firing"
    assert status("firing", silenced=True, inhibited=False) == "suppressed"
    assert status("firing", silenced=False, inhibited=True) == "suppressed"
    assert status("acknowledged", silenced=True, inhibited=False) == "acknowledged"
    assert status("resolved", silenced=False, inhibited=True) == "resolved"


def test_severity_rules_first_match_and_numbers() -> None:
    doc: list[dict[str, Any]]  # rules as read from a YAML file
    doc = [{"name": "big", "type": "ArrearsRiskDetected", "conditions": [{"label": "arrears", "op": ">=",
                                                                          "value": "50000"}], "severity": "critical"},
           {"name": "large", "type": "ArrearsRiskDetected", "conditions": [{"label": "large", "op": "=",
                                                                            "value": "true"}], "severity": "critical"},
           {"name": "rest", "type": "ArrearsRiskDetected", "conditions": [], "severity": "warning"}]
    parsed = rules.parse_severity_rules(doc)
    sev = lambda labels: rules.calibrated_severity(parsed, "ArrearsRiskDetected", labels, "critical")  # noqa: E731
    assert sev({"arrears": "945.00"}) == ("warning", "rest")
    assert sev({"arrears": "50000.00"}) == ("critical", "big")
    assert sev({"arrears": "100", "large": "true"}) == ("critical", "large")
    assert rules.calibrated_severity(parsed, "TicketEscalated", {}, "warning") == ("warning", None)
    problems = rules.severity_rule_problems([{"severity": "loud", "conditions": [
        {"label": "a", "op": ">", "value": "x"}, {"label": "a", "op": "=~", "value": "(["}]}])
    assert problems[:2] == [{"field": "body.rules.0.severity", "message": "须为以下之一：info, warning, critical"},
                            {"field": "body.rules.0.conditions.0.value", "message": "> 须比较数值"}]
    assert problems[2]["field"] == "body.rules.0.conditions.1.value"
    assert problems[2]["message"].startswith("不是有效的正则表达式")


def test_inhibition_needs_source_target_and_equal_labels() -> None:
    rule = rules.InhibitionRule("red", (Matcher("type", "RecoveryWarningIssued"), Matcher("light", "red")),
                                (Matcher("type", "ArrearsRiskDetected"), Matcher("severity", "warning")), ("unit",))
    red = {"type": "RecoveryWarningIssued", "light": "red", "unit": "S1", "severity": "critical"}
    risk = {"type": "ArrearsRiskDetected", "unit": "S1", "severity": "warning"}
    assert rule.inhibits(red, risk)
    assert not rule.inhibits({**red, "unit": "S2"}, risk)
    assert not rule.inhibits({**red, "light": "yellow"}, risk)
    assert not rule.inhibits(red, {**risk, "severity": "critical"})  # critical risks still go out


def test_working_hours_skip_the_holiday_and_count_make_up_days() -> None:
    start = datetime(2025, 9, 30, 15, 0, tzinfo=SH)
    assert escalation.add_working_hours(CAL, start, 4) == datetime(2025, 10, 9, 11, 0, tzinfo=SH)
    assert escalation.add_working_hours(CAL, datetime(2025, 10, 10, 16, 0, tzinfo=SH), 2) == datetime(
        2025, 10, 11, 10, 0, tzinfo=SH)  # Saturday 11 Oct is worked
    assert escalation.add_working_hours(CAL, datetime(2025, 10, 9, 7, 0, tzinfo=SH), 8) == datetime(
        2025, 10, 9, 17, 0, tzinfo=SH)
    with pytest.raises(CalendarMissing):
        escalation.add_working_hours(CAL, datetime(2025, 12, 31, 16, 0, tzinfo=SH), 4)


def test_steps_climb_then_repeat_until_the_cap() -> None:
    levels = [escalation.Level(1, ("a",)), escalation.Level(2, ("b",))]
    now = datetime(2025, 10, 9, 10, 0, tzinfo=SH)
    s1 = escalation.step(CAL, levels, level=0, round_=0, repeat_cap=2, now=now)
    assert (s1.notify_level, s1.level, s1.round) == (1, 1, 0) and s1.next_at == now + timedelta(hours=2)
    s2 = escalation.step(CAL, levels, level=1, round_=0, repeat_cap=2, now=now)
    assert (s2.notify_level, s2.level, s2.round) == (2, 0, 1) and s2.next_at == now + timedelta(hours=1)
    s3 = escalation.step(CAL, levels, level=1, round_=1, repeat_cap=2, now=now)
    assert s3.next_at is None and s3.notify_level == 2


def test_a_fallback_policy_climbs_only_when_no_other_applies_and_levels_read_org_targets() -> None:
    default = {"id": "d", "types": ["TicketEscalated"], "fallback": True}
    own = {"id": "o", "types": ["TicketEscalated"], "fallback": False}
    by_sub = {"id": "s", "types": [], "fallback": False}
    assert escalation.applicable([default], "TicketEscalated", set()) == [default]
    assert escalation.applicable([default, own], "TicketEscalated", set()) == [own]
    assert escalation.applicable([default, by_sub], "TicketEscalated", {"s"}) == [by_sub]
    assert escalation.applicable([default, own], "ErrorReported", set()) == []
    assert escalation.Level.of({"after_working_hours": 8, "subscription_ids": [], "org_levels_up": 2}) == \
        escalation.Level(8, (), 2)
    assert escalation.Level.of({"after_working_hours": 4, "subscription_ids": ["x"]}).org_levels_up is None
