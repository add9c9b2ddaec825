"""A clock the loader can move back in time, so history (tickets, errors, scores) carries past dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftableClock:
    """The real time, or a fixed moment the demo loader sets while it writes history."""

    def __init__(self) -> None:
        self._at: datetime | None = None

    def now(self) -> datetime:
        return self._at if self._at is not None else datetime.now(UTC)

    def set(self, at: datetime | None) -> None:
        """Pin the clock to `at` (aware); None returns it to the real time."""
        if at is not None and at.tzinfo is None:
            raise ValueError("ShiftableClock needs an aware datetime")
        self._at = at

    def real(self) -> None:
        self._at = None

    def ago(self, **delta: float) -> datetime:
        return datetime.now(UTC) - timedelta(**delta)
