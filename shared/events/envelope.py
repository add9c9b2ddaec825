"""CloudEvents 1.0 structured-mode envelope that wraps every m2c event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class EventPayload(BaseModel):
    """Base of every event's `data` model."""

    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=EventPayload)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: int = Field(ge=1)
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


class PoisonMessage(Exception):
    """A message no retry can fix: not JSON, not an envelope, or a payload that breaks its schema."""


def new_envelope(*, type_: str, source: str, version: int, subject: str | None, data: dict[str, Any],
                 time: datetime | None = None) -> Envelope:
    return Envelope(
        id=uuid.uuid4(), source=source, type=type_, subject=subject,
        time=time or datetime.now(UTC), schemaversion=version, data=data,
    )


def parse_envelope(raw: bytes | None) -> Envelope:
    if raw is None:
        raise PoisonMessage("empty message")
    try:
        return Envelope.model_validate(json.loads(raw))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"not JSON: {exc}") from exc
    except ValidationError as exc:
        raise PoisonMessage(f"not a CloudEvents envelope: {_first_errors(exc)}") from exc


def _first_errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])


def validate_payload(model: type[P], envelope: Envelope) -> P:
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise PoisonMessage(f"{envelope.type} payload invalid: {_first_errors(exc)}") from exc
