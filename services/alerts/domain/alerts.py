"""How events become alerts (pure rules; no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("info", "warning", "critical")
STATES = ("firing", "acknowledged", "resolved")


@dataclass(frozen=True)
class AlertSignal:
    """One observation of an alert condition; signals with one fingerprint update one alert."""

    type: str
    unit: str
    key: str
    severity: str
    summary: str
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return f"{self.type}:{self.unit}:{self.key}"


def from_error_reported(error_id: str, unit: str, period: str, category: str, nature: str,
                        amount: str, level: str | None) -> AlertSignal:
    severity = "critical" if level == "accountability" else "warning"
    return AlertSignal(
        type="ErrorReported", unit=unit, key=error_id, severity=severity,
        summary=f"{unit} {period} 账单差错（{category}/{nature}）金额 {amount} 元",
        labels={"unit": unit, "period": period, "category": category, "nature": nature,
                "level": level or "ungraded"},
    )
