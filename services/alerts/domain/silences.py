"""Silences: label matchers with a time window. A silenced alert is recorded, not delivered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import InvalidInput


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.is_regex:
            return re.fullmatch(self.value, actual) is not None
        return actual == self.value


@dataclass(frozen=True)
class Silence:
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime

    def silences(self, labels: Mapping[str, str], at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at and all(m.matches(labels) for m in self.matchers)


def is_silenced(silences: Iterable[Silence], labels: Mapping[str, str], at: datetime) -> bool:
    return any(s.silences(labels, at) for s in silences)


def regex_error(pattern: str) -> str | None:
    """Why a matcher's regex is unusable, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


def confined_unit(matchers: Iterable[Mapping[str, Any]]) -> str | None:
    """The unit a silence is confined to: its one exact `unit` matcher (none, or a regex: city-wide)."""
    units = [m["value"] for m in matchers if m["name"] == "unit" and not m.get("is_regex", False)]
    return units[0] if len(units) == 1 else None


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """A silence's window: both ends with a time-zone offset, the end after the start (InvalidInput)."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("时间须带时区偏移（如 +08:00 或 Z）",
                           errors=[{"field": "body.ends_at", "message": "须为带时区偏移的时间"}])
    if ends_at <= starts_at:
        raise InvalidInput("ends_at 须晚于 starts_at",
                           errors=[{"field": "body.ends_at", "message": "须晚于 starts_at"}])
