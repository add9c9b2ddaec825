"""The one definition of "firing" (docs/alerts.md), used by the alert list, the summary, grouping
and escalation alike.

An alert is *firing* when its state is `firing` and no active silence matches it and no inhibition
rule holds it down. Every alert has exactly one status:

    resolved      state resolved
    acknowledged  state acknowledged (someone owns it; no repeats, no escalation)
    suppressed    state firing, but silenced or inhibited (recorded, not sent)
    firing        state firing, not silenced, not inhibited (notified, counted, escalated)
"""

from __future__ import annotations

from typing import get_args

from shared.events.alerts import AlertState, AlertStatus

STATUSES: tuple[AlertStatus, ...] = get_args(AlertStatus)
FIRING_DEFINITION = "state = firing, not silenced, not inhibited"
# the same definition for readers of the 通报 and the dashboard (served by GET /api/v1/alerts/summary)
FIRING_DEFINITION_ZH = "告警中：未确认、未解除，且未被静默、未被抑制的告警（被静默或抑制的另计为“已静默/抑制”）"


def status(state: AlertState, *, silenced: bool, inhibited: bool) -> AlertStatus:
    if state == "resolved" or state == "acknowledged":
        return state
    return "suppressed" if silenced or inhibited else "firing"
