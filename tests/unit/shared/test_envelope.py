from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import jsonschema
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.clock import ManualClock
from shared.events.audit import ErrorReported
from shared.events.catalog import by_name, event_types
from shared.events.envelope import PoisonMessage, new_envelope, parse_envelope, validate_payload
from shared.events.schemas import asyncapi_document, event_schema
from shared.uow import UnitOfWork


def _event() -> ErrorReported:
    return ErrorReported(error_id=uuid.uuid4(), unit="QY-QC-01", period="2026-10", category="tariff",
                         nature="fraud", amount=Decimal("-500.00"), description="d", reporter="r",
                         reported_at=datetime.now(UTC))


def _envelope_bytes() -> bytes:
    payload = _event()
    return new_envelope(type_="ErrorReported", source="m2c/audit-link", version=1, subject="QY-QC-01",
                        data=payload.model_dump(mode="json")).to_bytes()


def test_envelope_round_trip_and_payload_validation() -> None:
    env = parse_envelope(_envelope_bytes())
    assert env.specversion == "1.0" and env.type == "ErrorReported"
    payload = validate_payload(ErrorReported, env)
    assert payload.amount == Decimal("-500.00")


@pytest.mark.parametrize("raw", [None, b"", b"\xff\xfe", b"[1,2]", b'{"type": "ErrorReported"}'])
def test_garbage_is_poison(raw: bytes | None) -> None:
    with pytest.raises(PoisonMessage):
        parse_envelope(raw)


def test_payload_breaking_its_schema_is_poison() -> None:
    env = parse_envelope(_envelope_bytes())
    broken = env.model_copy(update={"data": {**env.data, "nature": "accident"}})
    with pytest.raises(PoisonMessage, match="nature"):
        validate_payload(ErrorReported, broken)


def test_published_schema_accepts_real_messages_and_rejects_broken_ones() -> None:
    import json

    validator = jsonschema.Draft202012Validator(event_schema(by_name()["ErrorReported"]))
    message = json.loads(_envelope_bytes())
    validator.validate(message)
    for broken in ({**message, "type": "Other"}, {**message, "data": {**message["data"], "period": "2026-1"}},
                   {k: v for k, v in message.items() if k != "id"}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_every_event_type_is_documented_on_its_topic() -> None:
    doc = asyncapi_document(prefix="dev.")
    for t in event_types():
        assert t.name in doc["channels"][t.topic]["messages"]
        assert doc["channels"][t.topic]["address"] == "dev." + t.topic


def test_events_carry_the_time_of_the_units_clock() -> None:
    # Back-dated demo history and tests that move time need event times on the same clock as every
    # other time a service writes; emit() touches no database.
    at = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
    uow = UnitOfWork(session_factory=async_sessionmaker(), topic_name=lambda t: t, clock=ManualClock(at))  # no engine
    envelope = uow.emit(_event(), subject="QY-QC-01")
    assert envelope.time == at
    assert parse_envelope(envelope.to_bytes()).time == at
