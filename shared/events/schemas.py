"""JSON Schema of each event (envelope + payload) and the AsyncAPI document of topics."""

from __future__ import annotations

from typing import Any

from shared.events import topics
from shared.events.catalog import INTAKE_SOURCE, EventType, event_types
from shared.events.envelope import Envelope

_TOPIC_TEXT = {
    topics.INTAKE: "Commands from enterprise systems",
    topics.SCORING: "Scores and recovery warnings from scoring",
    topics.AUDIT: "Errors and audit tickets from audit_link",
    topics.ALERTS: "Alerts and credit events from alerts",
    topics.REVIEW: "Bill review before release: per-unit review results, confirmed and cleared suspects",
    topics.DLQ: "Messages a consumer could not process, with the error",
}


def event_schema(event: EventType) -> dict[str, Any]:
    """The whole message as it travels: the CloudEvents envelope with this type's `data`."""
    schema = Envelope.model_json_schema()
    schema["title"] = event.name
    props = schema["properties"]
    props["type"] = {"const": event.name, "type": "string"}
    if event.source != INTAKE_SOURCE:  # outside systems name themselves as the source
        props["source"] = {"const": event.source, "type": "string"}
    props["schemaversion"] = {"const": event.version, "type": "integer"}
    payload = event.model.model_json_schema(mode="serialization", ref_template="#/$defs/{model}")
    schema.setdefault("$defs", {}).update(payload.pop("$defs", {}))
    props["data"] = payload
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def all_event_schemas() -> dict[str, dict[str, Any]]:
    return {t.name: event_schema(t) for t in event_types()}


def asyncapi_document(prefix: str = "") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics.ALL:
        channels[topic] = {"address": prefix + topic, "description": _TOPIC_TEXT[topic], "messages": {}}
    for t in event_types():
        messages[t.name] = {
            "name": t.name,
            "contentType": "application/cloudevents+json",
            "payload": event_schema(t),
            "headers": {"type": "object", "properties": {"correlation_id": {"type": "string"}}},
        }
        channels[t.topic]["messages"][t.name] = {"$ref": f"#/components/messages/{t.name}"}
        operations[f"{'receive' if t.source == INTAKE_SOURCE else 'send'}{t.name}"] = {
            "action": "receive" if t.source == INTAKE_SOURCE else "send",
            "channel": {"$ref": f"#/channels/{t.topic}"},
            "messages": [{"$ref": f"#/channels/{t.topic}/messages/{t.name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "m2c events", "version": "1",
                 "description": "CloudEvents 1.0 (structured JSON); Kafka key = org-unit code."},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
