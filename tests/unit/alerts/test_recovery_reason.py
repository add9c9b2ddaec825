"""Why a recovery light is not green, as the alert says it (pure rules, issue 10 point 2)."""

from __future__ import annotations

from services.alerts.domain import alerts as d

THRESHOLDS = {"recovery_rate": {"green": 0.999, "yellow": 0.995}, "arrears_progress": {"green": 1.0, "yellow": 0.9}}


def test_causes_come_from_values_and_thresholds_when_the_event_has_none() -> None:
    causes = d.light_causes({"recovery_rate": 0.9997, "arrears_progress": 0.85}, THRESHOLDS)
    assert causes == (d.LightCause("arrears_progress", 0.85, 1.0, 0.9, "red"),)  # the rate met its target
    assert d.light_causes({"recovery_rate": 0.996, "arrears_progress": None}, THRESHOLDS) == (
        d.LightCause("recovery_rate", 0.996, 0.999, 0.995, "yellow"),)
    assert d.light_causes({"recovery_rate": 0.99}, {}) == ()  # no thresholds: nothing to say


def test_summary_prefers_the_message_then_causes_and_never_quotes_a_met_rate() -> None:
    given = d.from_recovery_warning("QY-QC", "2026-10", "red", 0.9997, message="清城区供电局 2026-10 电费回收红灯：…")
    assert given.summary == "清城区供电局 2026-10 电费回收红灯：…"
    derived = d.from_recovery_warning("QY-QC-01", "2026-10", "red", 0.9997, arrears_progress=0.85,
                                      thresholds=THRESHOLDS)
    assert "陈欠回收进度 85.00%" in derived.summary and "99.97" not in derived.summary
    assert derived.labels["causes"] == "arrears_progress"
    # a rate just under the target is cut, not rounded up to read as met
    cut = d.from_recovery_warning("QY-QC-01", "2026-10", "yellow", 0.99985,
                                  thresholds={"recovery_rate": {"green": 0.9999, "yellow": 0.995}})
    assert "累计回收率 99.98%，低于绿灯线 99.99%" in cut.summary
    green = d.from_recovery_warning("QY-QC-01", "2026-11", "green", 0.9995, message="…均达绿灯线")
    assert green.resolves and "causes" not in green.labels
