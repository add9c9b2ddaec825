from __future__ import annotations

from services.alerts.domain.alerts import from_error_reported


def test_error_alert_fingerprint_and_severity() -> None:
    s = from_error_reported("e1", "QY-QC-01", "2026-10", "tariff", "fraud", "500.00", "accountability")
    assert s is not None
    assert s.fingerprint == "ErrorReported:QY-QC-01:e1" and s.severity == "critical"
    ungraded = from_error_reported("e2", "QY-QC-01", "2026-10", "reading", "clerical", "1.00", None)
    assert ungraded is not None
    assert ungraded.severity == "warning" and ungraded.labels["level"] == "ungraded"
