"""Payment channels per unit and the compliance target (DESIGN §4.8)."""

from __future__ import annotations

from typing import Literal, get_args

ChannelType = Literal["counter", "bank_debit", "bank_collection", "online", "site_95598", "kiosk", "pos", "mobile"]
CHANNEL_TYPES: tuple[str, ...] = get_args(ChannelType)
TARGETS = {"urban": 5, "rural": 3}


def compliance(area_type: str, channel_types: set[str] | list[str]) -> tuple[int, int, bool]:
    """(distinct channel types offered, target, compliant)."""
    have = len(set(channel_types))
    target = TARGETS[area_type]
    return have, target, have >= target
