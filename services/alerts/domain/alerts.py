"""How events become alerts, and how an alert changes (pure rules; no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import get_args

from shared.errors import Conflict
from shared.events.alerts import AlertState
from shared.labels import ERROR_CATEGORY_ZH, ERROR_NATURE_ZH, TICKET_STATE_ZH, zh

SEVERITIES = ("info", "warning", "critical")
STATES: tuple[AlertState, ...] = get_args(AlertState)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class AlertSignal:
    """One observation of an alert condition; signals with one fingerprint update one alert.

    `resolves` marks an all-clear (a green light, a closed ticket): it resolves the alert, if any.
    """

    type: str
    unit: str
    key: str
    severity: str
    summary: str
    labels: dict[str, str] = field(default_factory=dict)
    resolves: bool = False

    @property
    def fingerprint(self) -> str:
        return f"{self.type}:{self.unit}:{self.key}"

    def all_labels(self) -> dict[str, str]:
        """What silences match on: the signal's labels plus type, unit and severity."""
        return {**self.labels, "type": self.type, "unit": self.unit, "severity": self.severity}


@dataclass(frozen=True)
class Alert:
    """The state of one alert (a snapshot; changes return a new one)."""

    id: uuid.UUID
    fingerprint: str
    type: str
    unit: str
    severity: str
    state: AlertState
    summary: str
    labels: dict[str, str]
    first_seen: datetime
    last_seen: datetime
    count: int
    source_event_ids: tuple[str, ...] = ()
    acked_by: str | None = None
    acked_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Change:
    """What happened to an alert: `raised`, `updated`, `resolved` or `acked`.

    `notify` says whether subscribers hear of it (new, re-fired, severity moved, resolved);
    a repeat occurrence is recorded and counted but not pushed again.
    """

    kind: str
    alert: Alert
    changes: dict[str, list[object]]
    notify: bool


def apply_signal(current: Alert | None, signal: AlertSignal, *, new_id: uuid.UUID, event_id: str,
                 at: datetime) -> Change | None:
    """The change a signal makes to the alert of its fingerprint, or None when it changes nothing."""
    if signal.resolves:
        if current is None or current.state == "resolved":
            return None
        resolved = replace(current, state="resolved", resolved_at=at, last_seen=max(current.last_seen, at),
                           source_event_ids=(*current.source_event_ids, event_id))
        return Change("resolved", resolved, {"state": [current.state, "resolved"]}, notify=True)
    if current is None:
        alert = Alert(new_id, signal.fingerprint, signal.type, signal.unit, signal.severity, "firing",
                      signal.summary, dict(signal.labels), at, at, 1, (event_id,))
        return Change("raised", alert, {"state": [None, "firing"], "severity": [None, signal.severity]},
                      notify=True)
    changes: dict[str, list[object]] = {"count": [current.count, current.count + 1]}
    state = current.state
    if current.state == "resolved":
        state = "firing"  # the condition is back: fire again (and clear the old acknowledgement)
    if state != current.state:
        changes["state"] = [current.state, state]
    if signal.severity != current.severity:
        changes["severity"] = [current.severity, signal.severity]
    if signal.summary != current.summary:
        changes["summary"] = [current.summary, signal.summary]
    refired = current.state == "resolved"
    alert = replace(
        current, severity=signal.severity, state=state, summary=signal.summary, labels=dict(signal.labels),
        last_seen=max(current.last_seen, at), count=current.count + 1,
        source_event_ids=(*current.source_event_ids, event_id),
        acked_by=None if refired else current.acked_by, acked_at=None if refired else current.acked_at,
        resolved_at=None,
    )
    kind = "raised" if refired else "updated"
    return Change(kind, alert, changes, notify=refired or "severity" in changes)


class ResolvedNotAcknowledgeable(Conflict):
    """A resolved alert is over: there is nothing left to acknowledge (409)."""

    def __init__(self) -> None:
        super().__init__("已解除的告警不能确认")


def acknowledge(current: Alert, *, by: str, at: datetime) -> Change | None:
    """Firing → acknowledged (stops the repeats); acknowledging twice changes nothing; a resolved
    alert cannot be acknowledged (ResolvedNotAcknowledgeable)."""
    if current.state == "resolved":
        raise ResolvedNotAcknowledgeable()
    if current.state != "firing":
        return None
    alert = replace(current, state="acknowledged", acked_by=by, acked_at=at)
    return Change("acked", alert, {"state": ["firing", "acknowledged"]}, notify=False)


# --- the sources (DESIGN §4.6) -------------------------------------------------------------------

def from_error_reported(error_id: str, unit: str, period: str, category: str, nature: str,
                        amount: str, level: str | None) -> AlertSignal | None:
    """Only grave errors alert: level `accountability` is critical.

    An ungraded error (level None: a producer that does not grade) raises a warning, so an error of
    unknown gravity is never silently dropped; reminder/notice/assessment raise nothing.
    """
    if level == "accountability":
        severity = "critical"
    elif level is None:
        severity = "warning"
    else:
        return None
    return AlertSignal(
        type="ErrorReported", unit=unit, key=error_id, severity=severity,
        summary=(f"{unit} {period} 账单差错（{zh(ERROR_CATEGORY_ZH, category)}，{zh(ERROR_NATURE_ZH, nature)}）"
                 f"金额 {amount} 元"),
        labels={"unit": unit, "period": period, "category": category, "nature": nature,
                "level": level or "ungraded"},
    )


@dataclass(frozen=True)
class LightCause:
    """A measure below its green threshold: why a recovery light is not green."""

    measure: str  # recovery_rate | arrears_progress
    value: float
    green: float
    yellow: float
    grade: str  # the light this measure alone earns


MEASURES = {"recovery_rate": "累计回收率", "arrears_progress": "陈欠回收进度"}
LAMPS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def _percent(ratio: float) -> str:
    """Two decimals, cut (never rounded up): 99.985 % must not read as a 99.99 % target met."""
    return f"{(Decimal(str(ratio)) * 100).quantize(Decimal('0.01'), rounding=ROUND_DOWN)}%"


def light_causes(values: dict[str, float | None], thresholds: dict[str, dict[str, float]]) -> tuple[LightCause, ...]:
    """The causes an event without them implies (events from before scoring sent causes): each
    measure with a value under its green threshold."""
    out = []
    for measure, value in values.items():
        t = thresholds.get(measure) or {}
        if value is None or "green" not in t or value >= t["green"]:
            continue
        yellow = t.get("yellow", t["green"])
        out.append(LightCause(measure, value, t["green"], yellow, "yellow" if value >= yellow else "red"))
    return tuple(out)


def cause_text(c: LightCause) -> str:
    name = MEASURES.get(c.measure, c.measure)
    return f"{name} {_percent(c.value)}，低于绿灯线 {_percent(c.green)}（差 {(c.green - c.value) * 100:.2f} 个百分点）"


def from_recovery_warning(unit: str, period: str, light: str, recovery_rate: float | None, *,
                          level: str = "station", message: str = "", causes: tuple[LightCause, ...] = (),
                          arrears_progress: float | None = None,
                          thresholds: dict[str, dict[str, float]] | None = None) -> AlertSignal:
    """Red → critical, yellow → warning, green → resolves (one alert per unit, across months).

    The summary gives the reason the light is not green: the event's own message (scoring says which
    measure failed and by how much), else its causes, else the causes its values and thresholds imply;
    only an event with none of these falls back to quoting the recovery rate. So a red light from
    arrears progress is never explained by a recovery rate that met its target.
    """
    severity = {"red": "critical", "yellow": "warning"}.get(light, "info")
    lamp = LAMPS.get(light, "绿灯")
    if not causes:
        causes = light_causes({"recovery_rate": recovery_rate, "arrears_progress": arrears_progress},
                              thresholds or {})
    if light == "green":
        reason = "各项指标达标"
    elif causes:
        reason = "；".join(cause_text(c) for c in causes)
    else:
        reason = f"累计回收率 {'n/a' if recovery_rate is None else f'{recovery_rate:.2%}'}"
    labels = {"unit": unit, "period": period, "light": light, "level": level}
    if causes and light != "green":
        labels["causes"] = ",".join(c.measure for c in causes)
        labels |= {c.measure: f"{c.value:.6g}" for c in causes}
    # scoring's message is the whole warning (unit, month, light, each failed measure and by how much)
    summary = message.strip() if message.strip() and light != "green" else f"{unit} {period} 电费回收率{lamp}：{reason}"
    return AlertSignal(
        type="RecoveryWarningIssued", unit=unit, key="recovery", severity=severity,
        summary=summary,
        labels=labels, resolves=light == "green",
    )


def from_ticket_escalated(ticket_id: str, unit: str, state: str, level: int) -> AlertSignal:
    """One alert per overdue ticket, a warning whatever audit_link's level: the climb is an escalation
    policy's (the default ticket policy, docs/alerts.md §5), so audit_link's further levels (one per
    working day overdue) are recorded on the alert (count, `level` label, summary) without a
    notification each; acknowledging the alert stops the climb."""
    return AlertSignal(
        type="TicketEscalated", unit=unit, key=ticket_id, severity="warning",
        summary=f"{unit} 稽核工作传单 {ticket_id[:8]} 在“{zh(TICKET_STATE_ZH, state)}”阶段超期（第 {level} 级）",
        labels={"unit": unit, "ticket_id": ticket_id, "stage": state, "level": str(level)},
    )


def from_ticket_closed(ticket_id: str, unit: str) -> AlertSignal:
    return AlertSignal(type="TicketEscalated", unit=unit, key=ticket_id, severity="info",
                       summary=f"{unit} 稽核工作传单 {ticket_id[:8]} 已关闭", labels={"unit": unit},
                       resolves=True)


def from_arrears_risk(customer_no: str, unit: str, grade: str, arrears: str, measures: list[str], *,
                      months_overdue: int | None = None, large: bool | None = None) -> AlertSignal:
    """The source's own severity (C critical, B warning) stands only where no severity rule applies;
    the default rules calibrate it by the overdue amount and the customer's size (docs/alerts.md).
    `arrears`, `months_overdue` and `large` are labels so that rules can read them."""
    labels = {"unit": unit, "customer_no": customer_no, "grade": grade, "arrears": arrears}
    if months_overdue is not None:
        labels["months_overdue"] = str(months_overdue)
    if large is not None:
        labels["large"] = "true" if large else "false"
    return AlertSignal(
        type="ArrearsRiskDetected", unit=unit, key=customer_no,
        severity="critical" if grade == "C" else "warning",
        summary=f"{unit} 客户 {customer_no} 信用等级 {grade}，欠费 {arrears} 元；建议：{'、'.join(measures)}",
        labels=labels,
    )


def from_station_score(unit: str, period: str, score: float | None, threshold: float, *,
                       status: str = "complete") -> AlertSignal | None:
    """A station below the threshold fires; at or above it resolves (a re-score may clear it).
    An incomplete station's score stands on missing facts: it neither fires nor clears an alert."""
    if score is None or status != "complete":
        return None
    return AlertSignal(
        type="ScoresPublished", unit=unit, key=period, severity="warning",
        summary=f"{unit} {period} 抄核收评分 {score:.2f} 低于 {threshold:g}",
        labels={"unit": unit, "period": period}, resolves=score >= threshold,
    )
