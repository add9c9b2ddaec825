"""Events built by SQL (set-based writers) match the published schema of their type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
from sqlalchemy import text

from shared.events.audit import TicketEscalated
from shared.events.catalog import by_name
from shared.events.envelope import parse_envelope, validate_payload
from shared.events.schemas import event_schema
from shared.messaging.sql_events import outbox_insert
from shared.runtime import Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport


async def test_sql_built_ticket_escalated_is_a_valid_event(settings: Settings) -> None:
    runtime = await Runtime.open(settings, transport=InProcessTransport())
    rows = ("(VALUES ('7d0c3f52-8a43-4d4c-9a64-1b5d8f2e9c11'::uuid, 'QY-QC-01', 'issued', 2,"
            " '2026-06-14T23:59:59+08:00')) AS r0(ticket_id, unit, state, level, due_at)")
    data = ("jsonb_build_object('ticket_id', x.ticket_id, 'unit', x.unit, 'state', x.state, 'level', x.level,"
            " 'due_at', x.due_at, 'escalated_at', CAST(:now_iso AS text))")
    try:
        async with runtime.session_factory() as s, s.begin():
            await s.execute(text(outbox_insert("TicketEscalated", rows=f"(SELECT * FROM {rows})",
                                               subject="x.unit", data=data)),
                            {"topic": "m2c.audit.v1", "now_iso": datetime.now(UTC).isoformat()})
        async with runtime.session_factory() as s:
            topic, key, payload = (await s.execute(text("SELECT topic, key, payload::text FROM m2c_outbox"))).one()
    finally:
        await runtime.close()
    assert (topic, key) == ("m2c.audit.v1", "QY-QC-01")
    message = json.loads(payload)
    jsonschema.Draft202012Validator(event_schema(by_name()["TicketEscalated"])).validate(message)
    event = validate_payload(by_name()["TicketEscalated"].model, parse_envelope(payload.encode()))
    assert isinstance(event, TicketEscalated)
    assert event.level == 2 and event.unit == "QY-QC-01"
