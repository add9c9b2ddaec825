"""Silences: label matchers with a time window. A silenced alert is recorded, not delivered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


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
