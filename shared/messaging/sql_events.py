"""Events written to the outbox by SQL itself, for set-based commands that emit thousands at once.

The envelope is the same CloudEvents structure `UnitOfWork.emit` builds (source and schema version
from the catalog); the caller supplies the rows, the subject and the `data` object as SQL
expressions over the alias `x`, and binds `:topic` and `:now_iso`. Tests validate such events
against the published JSON Schema, so the SQL cannot drift from the pydantic model unnoticed.
"""

from __future__ import annotations

from shared.events.catalog import by_name


def outbox_insert(event_type: str, *, rows: str, subject: str, data: str) -> str:
    """`INSERT INTO m2c_outbox … SELECT … FROM (rows) x` with one event per row."""
    meta = by_name()[event_type]
    envelope = (
        f"jsonb_build_object('specversion', '1.0', 'id', x.event_id, 'source', '{meta.source}',"
        f" 'type', '{meta.name}', 'subject', {subject}, 'time', CAST(:now_iso AS text),"
        f" 'datacontenttype', 'application/json', 'schemaversion', {meta.version}, 'data', {data})"
    )
    return (
        "INSERT INTO m2c_outbox (event_id, event_type, topic, key, payload)"
        f" SELECT x.event_id, '{meta.name}', :topic, {subject}, {envelope}"
        f" FROM (SELECT gen_random_uuid() AS event_id, r.* FROM {rows} r) x"
    )
