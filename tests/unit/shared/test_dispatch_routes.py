"""Routing consumed events by model class: registrations, the catalog lookup, the typed payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.events.audit import ErrorReported, TicketClosed
from shared.events.envelope import new_envelope
from shared.messaging.dispatch import EventDispatcher, ReceivedEvent, route, routes
from shared.uow import UnitOfWork


async def on_error(event: ReceivedEvent[ErrorReported], uow: UnitOfWork) -> None:
    pass


async def on_closed(event: ReceivedEvent[TicketClosed], uow: UnitOfWork) -> None:
    pass


def _no_uow() -> UnitOfWork:
    raise AssertionError("decoding needs no unit of work")


def _error_envelope(type_: str = "ErrorReported"):  # noqa: ANN202
    payload = ErrorReported(error_id=uuid.uuid4(), unit="QY-QC-01", period="2026-10", category="tariff",
                            nature="fraud", amount=Decimal("-500.00"), description="d", reporter="r",
                            reported_at=datetime.now(UTC))
    return new_envelope(type_=type_, source="m2c/audit-link", version=1, subject="QY-QC-01",
                        data=payload.model_dump(mode="json"))


def test_routes_map_each_model_to_its_handler() -> None:
    assert routes(route(ErrorReported, on_error), route(TicketClosed, on_closed)) == {
        ErrorReported: on_error, TicketClosed: on_closed}


def test_a_model_routed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="ErrorReported is routed twice"):
        routes(route(ErrorReported, on_error), route(ErrorReported, on_error))


def test_the_dispatcher_finds_the_model_by_the_envelopes_type_in_the_catalog() -> None:
    dispatcher = EventDispatcher("g", routes(route(ErrorReported, on_error)), _no_uow)
    assert dispatcher.event_types == frozenset({"ErrorReported"})
    event = dispatcher.decode(_error_envelope())
    assert event is not None and isinstance(event.payload, ErrorReported)
    assert event.payload.amount == Decimal("-500.00")
    assert dispatcher.decode(_error_envelope("TicketClosed")) is None  # no handler here: ignored


def test_handlers_keyed_by_name_or_by_a_model_outside_the_catalog_are_refused() -> None:
    with pytest.raises(ValueError, match="not by 'ErrorReported'"):
        EventDispatcher("g", {"ErrorReported": on_error}, _no_uow)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not by ReceivedEvent"):
        EventDispatcher("g", {ReceivedEvent: on_error}, _no_uow)  # type: ignore[dict-item]
