"""The OpenAPI document tells the truth about errors: every operation lists the problem+json answers
it can give. One mapping (`PROBLEM_RESPONSES`) is given to every service router when it is included;
the finished document then drops what an operation cannot answer (401/403 without a security
requirement, 409/413/415 without a request body, 415 without a CSV/NDJSON body), adds the Problem
schema, moves the `$defs` of hand-written body schemas into components (valid `$ref`s), and bounds
every integer to int64, as the edge does (shared/http/input_guard.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.validation import INT64_MAX, INT64_MIN

PROBLEM_REF = "#/components/schemas/Problem"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}
PROBLEM_CONTENT = _PROBLEM  # for routes that declare answers of their own
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": _PROBLEM} for status, description in (
        (401, "No or invalid bearer token"),
        (403, "The token's roles or org subtree do not allow this"),
        (404, "Not found (or outside the caller's org subtree)"),
        (409, "Conflicts with the current state"),
        (413, "Body larger than the limit (JSON or import)"),
        (415, "A charset m2c does not read (UTF-8, GB18030/GBK are read)"),
        (422, "Invalid input: the fields, rows or lines are named in `errors`"),
        (431, "Request headers larger than the limit"),
        (500, "Unexpected error, logged with the correlation id"),
    )
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"], "additionalProperties": True,
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
_BODY_ONLY = ("409", "413", "415")
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _hoist_defs(node: Any, schemas: dict[str, Any]) -> Any:
    """Moves nested `$defs` into `schemas` and points their `$ref`s at the components."""
    if isinstance(node, dict):
        for name, schema in (node.pop("$defs", None) or {}).items():
            schemas.setdefault(name, _hoist_defs(schema, schemas))
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")
        for key, value in node.items():
            node[key] = _hoist_defs(value, schemas)
    elif isinstance(node, list):
        return [_hoist_defs(v, schemas) for v in node]
    return node


def _bound_integers(node: Any) -> None:
    """Every integer schema says int64 (the edge refuses anything wider with a 422)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("format", "int64")
            if "maximum" not in node and "exclusiveMaximum" not in node:
                node["maximum"] = INT64_MAX
            if "minimum" not in node and "exclusiveMinimum" not in node:
                node["minimum"] = INT64_MIN
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_integers(value)


def _trim(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    if not operation.get("security"):
        for status in ("401", "403"):  # the defaults only: an open route may declare its own (login: 401)
            if responses.get(status) == PROBLEM_RESPONSES[int(status)]:
                responses.pop(status)
    body = operation.get("requestBody", {}).get("content", {})
    for status in _BODY_ONLY:
        streamed = any("json" not in media for media in body)
        if responses.get(status) == PROBLEM_RESPONSES[int(status)] and (not body or (status == "415" and not streamed)):
            responses.pop(status)


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        doc = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                          description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        _hoist_defs(doc, schemas)
        _bound_integers(doc)
        for path in doc.get("paths", {}).values():
            for method, operation in path.items():
                if method in _HTTP_METHODS:
                    _trim(operation)
        app.openapi_schema = doc
    return app.openapi_schema


def install_contract(app: FastAPI) -> None:
    app.openapi = lambda: truthful_openapi(app)  # type: ignore[method-assign]
