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

STATUSES = ("firing", "suppressed", "acknowledged", "resolved")
FIRING_DEFINITION = "state = firing, not silenced, not inhibited"


def status(state: str, *, silenced: bool, inhibited: bool) -> str:
    if state in ("resolved", "acknowledged"):
        return state
    return "suppressed" if silenced or inhibited else "firing"
