"""Repeated log lines: once per interval, with how many were held back."""

from __future__ import annotations

import logging

import pytest

from shared.log_throttle import RepeatFilter, ThrottledLog
from shared.messaging.backoff import Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_same_failure_is_logged_once_per_interval_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    throttled = ThrottledLog(logging.getLogger("m2c.test.throttle"), interval_s=30, clock=clock)
    with caplog.at_level(logging.WARNING, logger="m2c.test.throttle"):
        written = []
        for second in range(100):  # a connection error every 0.5 s for 50 s
            clock.now = second / 2
            written.append(throttled.log(logging.WARNING, "db", "relay failed: %s", "refused"))
        throttled.log(logging.WARNING, "other", "another kind")
    assert written.count(True) == 2
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["relay failed: refused",
                        "relay failed: refused (59 similar messages held back in the last 30 s)",
                        "another kind"]
    throttled.forget("db")  # recovered: the next failure is news at once
    assert throttled.log(logging.WARNING, "db", "relay failed again")


def test_aiokafka_connection_errors_pass_once_per_interval() -> None:
    clock = FakeClock()
    flt = RepeatFilter(("aiokafka",), interval_s=30, clock=clock)

    def record(name: str, node: int) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, "Unable connect to node with id %s: %s",
                                 (node, "refused"), None)

    passed = []
    for i in range(1500):
        clock.now = i * 0.04  # ~1 500 lines in a minute, as the issue measured
        r = record("aiokafka.conn", i % 3)
        if flt.filter(r):
            passed.append(r.getMessage())
    assert len(passed) == 2
    assert passed[1].endswith("(749 similar messages held back in the last 30 s)")
    assert flt.filter(logging.LogRecord("m2c.relay", logging.ERROR, __file__, 1, "x", (), None))


def test_back_off_doubles_with_jitter_up_to_the_cap() -> None:
    delays = Backoff(0.2, 30.0).delays()
    got = [next(delays) for _ in range(12)]
    ceilings = [min(30.0, 0.2 * 2 ** i) for i in range(12)]
    assert all(c / 2 <= d <= c for d, c in zip(got, ceilings, strict=True))
    assert max(got) <= 30.0 and got[-1] >= 15.0
