"""Repeated log lines, once per interval with a count: an outage must not write thousands of lines.

`ThrottledLog` is for our own loops (relay, consumers); `RepeatFilter` sits on the log handler and
does the same for third-party loggers (aiokafka's "Unable connect to node …" while a broker is down).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable


class Throttle:
    """Admits the first occurrence of a key, then at most one per interval."""

    def __init__(self, interval_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s
        self._clock = clock
        self._last: dict[Hashable, tuple[float, int]] = {}  # key -> (last admitted at, held back since)

    def admit(self, key: Hashable) -> int | None:
        """None to hold this one back; otherwise how many were held back since the last admitted."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last[0] < self.interval_s:
            self._last[key] = (last[0], last[1] + 1)
            return None
        self._last[key] = (now, 0)
        return last[1] if last else 0

    def forget(self, key: Hashable) -> None:
        """The condition is over: its next occurrence is news again."""
        self._last.pop(key, None)


class ThrottledLog:
    def __init__(self, logger: logging.Logger, interval_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.logger = logger
        self.throttle = Throttle(interval_s, clock)

    def log(self, level: int, key: Hashable, msg: str, *args: object,
            exc_info: bool | BaseException | None = None) -> bool:
        """Log unless the same key was logged within the interval; True when it was written."""
        held = self.throttle.admit(key)
        if held is None:
            return False
        if held:
            msg += " (%d similar messages held back in the last %.0f s)"
            args = (*args, held, self.throttle.interval_s)
        self.logger.log(level, msg, *args, exc_info=exc_info)
        return True

    def forget(self, key: Hashable) -> None:
        self.throttle.forget(key)


class RepeatFilter(logging.Filter):
    """Passes a logger's message template once per interval (per logger and template), with a count."""

    def __init__(self, prefixes: tuple[str, ...] = ("aiokafka", "kafka"), interval_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._prefixes = prefixes
        self._throttle = Throttle(interval_s, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefixes):
            return True
        held = self._throttle.admit((record.name, record.levelno, str(record.msg)))
        if held is None:
            return False
        if held:
            record.msg = f"{record.msg} ({held} similar messages held back in the last " \
                         f"{self._throttle.interval_s:.0f} s)"
        return True
