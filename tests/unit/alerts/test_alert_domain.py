from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from services.alerts.domain import alerts as d
from services.alerts.domain.channels import compliance
from services.alerts.domain.silences import Matcher, Silence, is_silenced
from services.alerts.domain.subscriptions import Match, backoff_s, signature, url_problem
from tests.helpers import present

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ID = [UUID(int=n) for n in range(7)]  # the ids the alerts are given, in order


def test_same_fingerprint_updates_and_green_resolves() -> None:
    red = d.from_recovery_warning("QY-QC-01", "2026-10", "red", 0.98)
    raised = present(d.apply_signal(None, red, new_id=ID[1], event_id="e1", at=T0))
    assert raised.kind == "raised" and raised.alert.severity == "critical" and raised.notify
    again = present(d.apply_signal(raised.alert, red, new_id=ID[2], event_id="e2", at=T0 + timedelta(days=30)))
    assert again.kind == "updated" and again.alert.id == ID[1] and again.alert.count == 2 and not again.notify
    yellow = d.from_recovery_warning("QY-QC-01", "2026-11", "yellow", 0.996)
    assert yellow.fingerprint == red.fingerprint
    moved = present(d.apply_signal(again.alert, yellow, new_id=ID[3], event_id="e3", at=T0))
    assert moved.notify and moved.changes["severity"] == ["critical", "warning"]
    green = d.from_recovery_warning("QY-QC-01", "2026-12", "green", 0.9995)
    resolved = present(d.apply_signal(moved.alert, green, new_id=ID[4], event_id="e4", at=T0))
    assert resolved.kind == "resolved" and resolved.alert.state == "resolved"
    assert d.apply_signal(resolved.alert, green, new_id=ID[5], event_id="e5", at=T0) is None
    assert d.apply_signal(None, green, new_id=ID[6], event_id="e6", at=T0) is None


def test_ticket_levels_and_ack() -> None:
    assert d.from_ticket_escalated("t", "QY-QC-01", "issued", 1).severity == "warning"
    # issue 16: the climb is the escalation policy's; a further audit level is recorded, not re-notified
    assert d.from_ticket_escalated("t", "QY-QC-01", "issued", 2).severity == "warning"
    ch = present(d.apply_signal(None, d.from_ticket_escalated("t", "QY", "issued", 1), new_id=ID[1], event_id="e",
                                at=T0))
    again = present(d.apply_signal(ch.alert, d.from_ticket_escalated("t", "QY", "issued", 2), new_id=ID[2],
                                   event_id="f", at=T0))
    assert again.kind == "updated" and not again.notify and again.alert.labels["level"] == "2"
    acked = present(d.acknowledge(ch.alert, by="li", at=T0))
    assert acked.alert.state == "acknowledged" and d.acknowledge(acked.alert, by="li", at=T0) is None


def test_a_resolved_alert_cannot_be_acknowledged() -> None:
    red = d.from_recovery_warning("QY-QC-01", "2026-10", "red", 0.98)
    raised = present(d.apply_signal(None, red, new_id=ID[1], event_id="e1", at=T0))
    green = d.from_recovery_warning("QY-QC-01", "2026-11", "green", 0.9995)
    resolved = present(d.apply_signal(raised.alert, green, new_id=ID[2], event_id="e2", at=T0))
    with pytest.raises(d.ResolvedNotAcknowledgeable) as refused:
        d.acknowledge(resolved.alert, by="li", at=T0)
    assert refused.value.status == 409 and str(refused.value) == "已解除的告警不能确认"


def test_error_levels() -> None:
    grave = present(d.from_error_reported("e", "QY", "2026-10", "tariff", "fraud", "1", "accountability"))
    assert grave.severity == "critical"
    assert present(d.from_error_reported("e", "QY", "2026-10", "tariff", "fraud", "1", None)).severity == "warning"
    for level in ("reminder", "notice", "assessment"):
        assert d.from_error_reported("e", "QY", "2026-10", "tariff", "fraud", "1", level) is None


def test_station_score_boundary() -> None:
    assert not present(d.from_station_score("QY-QC-01", "2026-10", 79.99, 80)).resolves
    assert present(d.from_station_score("QY-QC-01", "2026-10", 80.0, 80)).resolves
    assert d.from_station_score("QY-QC-01", "2026-10", None, 80) is None


def test_silences_equality_regex_and_window() -> None:
    s = Silence((Matcher("unit", "QY-QC-0[12]", True), Matcher("type", "TicketEscalated")), T0, T0 + timedelta(hours=1))
    labels = {"unit": "QY-QC-01", "type": "TicketEscalated"}
    assert is_silenced([s], labels, T0)
    assert not is_silenced([s], labels, T0 + timedelta(hours=1))
    assert not is_silenced([s], {**labels, "unit": "QY-QC-03"}, T0)
    assert not is_silenced([s], {**labels, "unit": "QY-QC-011"}, T0)  # full match only


def test_subscription_match_signature_backoff_urls() -> None:
    m = Match(("ErrorReported",), "warning", "QY")
    assert m.accepts("ErrorReported", "critical", "QY-QC-01")
    assert not m.accepts("ErrorReported", "info", "QY-QC-01")
    assert not m.accepts("TicketEscalated", "critical", "QY-QC-01")
    assert not m.accepts("ErrorReported", "critical", "QYX-01")
    assert signature(["k"], b"{}", 1700000000) == "t=1700000000,v1=" + __import__("hmac").new(
        b"k", b"1700000000.{}", "sha256").hexdigest()
    assert [backoff_s(n, base_s=1, cap_s=10) for n in (1, 2, 3, 4, 5, 9)] == [1, 2, 4, 8, 10, 10]
    assert url_problem("https://h.example.com/x") is None
    assert "账号密码" in present(url_problem("https://a:b@h.example.com/x"))
    assert "http" in present(url_problem("file:///etc/passwd"))
    assert url_problem("https://a.hooks.example.com/x", [".hooks.example.com"]) is None
    assert "白名单" in present(url_problem("https://x.example.com/x", ["hooks.example.com"]))


def test_channel_compliance_targets() -> None:
    assert compliance("urban", ["counter", "pos", "mobile", "online", "kiosk"]) == (5, 5, True)
    assert compliance("urban", ["counter", "pos", "mobile", "online", "online"]) == (4, 5, False)
    assert compliance("rural", ["counter", "pos", "mobile"]) == (3, 3, True)
    assert compliance("rural", ["counter", "pos"]) == (2, 3, False)


def test_signature_covers_time_and_body_and_carries_both_secrets_while_rotating() -> None:
    from services.alerts.domain.subscriptions import active_secrets, verify_signature

    body, t = b'{"alert": 1}', 1_800_000_000
    header = signature(["new-secret", "old-secret"], body, t)
    assert header.count("v1=") == 2 and header.startswith(f"t={t},")
    assert verify_signature(header, "new-secret", body, now=t + 299)
    assert verify_signature(header, "old-secret", body, now=t)  # receivers switch at their own pace
    assert not verify_signature(header, "new-secret", body, now=t + 301)  # a replay after the tolerance
    assert not verify_signature(header, "new-secret", body + b" ", now=t)  # body changed
    assert not verify_signature(header.replace(f"t={t}", f"t={t + 100}"), "new-secret", body, now=t + 100)
    assert not verify_signature("v1=abc", "new-secret", body, now=t)

    now = datetime(2026, 11, 29, tzinfo=UTC)
    assert active_secrets("new", "old", now + timedelta(seconds=1), now) == ["new", "old"]
    assert active_secrets("new", "old", now, now) == ["new"]  # the overlap has ended
    assert active_secrets("new", None, None, now) == ["new"]
