"""Dead letters: the original message rebuilt byte for byte (non-JSON) or as the same JSON, and filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.messaging.consumer import dead_letter
from shared.messaging.dead_letters import DeadLetter, ReplayFilter, parse_since
from shared.messaging.message import InboundMessage

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _letter(value: bytes, *, group: str = "m2c-alerts", reason: str = "failed") -> DeadLetter:
    original = InboundMessage("t.m2c.audit.v1", 1, 42, "QY-QC-01", value, {"correlation_id": "c1"})
    out = dead_letter(original, group, "boom", "t.m2c.dlq.v1", reason=reason)
    letter = DeadLetter.parse(InboundMessage(out.topic, 0, 7, out.key, out.value, out.headers))
    assert letter is not None
    return letter


def test_the_original_message_comes_back_with_its_key_topic_and_headers() -> None:
    raw = _letter(b"\xff\x00 not json").original("t.m2c.dlq.v1")
    assert raw.value == b"\xff\x00 not json" and raw.topic == "t.m2c.audit.v1" and raw.key == "QY-QC-01"
    assert raw.headers == {"correlation_id": "c1", "m2c_replayed_from": "t.m2c.dlq.v1/0/7"}
    event = {"id": "e1", "data": {"unit": "清远"}}
    assert json.loads(_letter(json.dumps(event).encode()).original("d").value) == event


def test_filters_by_group_time_and_poison() -> None:
    letter = _letter(b"{}")
    assert ReplayFilter().admits(letter)
    assert ReplayFilter(group="m2c-alerts").admits(letter)
    assert ReplayFilter(group="t.m2c-alerts").admits(letter, prefix="t.")
    assert not ReplayFilter(group="m2c-scoring").admits(letter)
    assert ReplayFilter(since=datetime.now(UTC) - timedelta(minutes=1)).admits(letter)
    assert not ReplayFilter(since=datetime.now(UTC) + timedelta(minutes=1)).admits(letter)
    poison = _letter(b"x", reason="poison")
    assert not ReplayFilter().admits(poison) and ReplayFilter(include_poison=True).admits(poison)
    assert DeadLetter.parse(InboundMessage("d", 0, 0, None, b"not a letter")) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", NOW - timedelta(minutes=30)), ("6h", NOW - timedelta(hours=6)), ("2d", NOW - timedelta(days=2)),
    ("90s", NOW - timedelta(seconds=90)), ("2026-11-28T08:00:00", datetime(2026, 11, 28, 8, tzinfo=UTC)),
    ("2026-11-28T08:00:00+08:00", datetime(2026, 11, 28, 0, tzinfo=UTC)),
])
def test_since_takes_a_time_or_a_duration_back(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


def test_since_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        parse_since("yesterday", now=NOW)
