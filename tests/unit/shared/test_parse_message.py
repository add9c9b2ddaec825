"""The consumer's one-pass envelope parser gives parse_envelope's envelope, and its verdicts on garbage."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.events.audit import ErrorReported
from shared.events.envelope import PoisonMessage, new_envelope, parse_envelope
from shared.messaging.consumer import parse_message


def _envelope_bytes(**extra: object) -> bytes:
    payload = ErrorReported(error_id=uuid.uuid4(), unit="QY-QC-01", period="2026-10", category="tariff",
                            nature="fraud", amount=Decimal("-500.00"), description="抄表示数录入错误",
                            reporter="r", reported_at=datetime.now(UTC))
    envelope = new_envelope(type_="ErrorReported", source="m2c/audit-link", version=1, subject="QY-QC-01",
                            data=payload.model_dump(mode="json"))
    return json.dumps({**envelope.model_dump(mode="json"), **extra}, ensure_ascii=False).encode()


@pytest.mark.parametrize("raw", [_envelope_bytes(), _envelope_bytes(traceparent="00-abc-01")])
def test_a_valid_envelope_parses_as_parse_envelope_parses_it(raw: bytes) -> None:
    assert parse_message(raw) == parse_envelope(raw)
    assert parse_message(raw).model_dump() == parse_envelope(raw).model_dump()  # extra attributes kept alike


@pytest.mark.parametrize("raw", [None, b"", b"\xff\xfe", b"[1,2]", b'{"type": "ErrorReported"}', b"NaN",
                                 _envelope_bytes(specversion="0.3")])
def test_garbage_is_poison_with_parse_envelope_reason(raw: bytes | None) -> None:
    with pytest.raises(PoisonMessage) as expected:
        parse_envelope(raw)
    with pytest.raises(PoisonMessage) as got:
        parse_message(raw)
    assert str(got.value) == str(expected.value)
