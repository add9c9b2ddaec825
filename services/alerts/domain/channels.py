"""Payment channels per unit and the compliance target (DESIGN §4.8)."""

from __future__ import annotations

CHANNEL_TYPES = ("counter", "bank_debit", "bank_collection", "online", "site_95598", "kiosk", "pos", "mobile")
TARGETS = {"urban": 5, "rural": 3}


def compliance(area_type: str, channel_types: set[str] | list[str]) -> tuple[int, int, bool]:
    """(distinct channel types offered, target, compliant)."""
    have = len(set(channel_types))
    target = TARGETS[area_type]
    return have, target, have >= target
