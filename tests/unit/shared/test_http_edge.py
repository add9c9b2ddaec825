"""Pure parts of the HTTP edge: which routes are imports, where a JSON body breaks the rules, `$defs`."""

from __future__ import annotations

import json

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.http.contract import _hoist_defs
from shared.http.input_guard import _parse_int, json_errors
from shared.http.limits import is_import_route


class Batch(BaseModel):
    rows: list[int] = Field(max_length=50000)


class Small(BaseModel):
    rows: list[int] = Field(max_length=20)
    name: str


def _route(router: APIRouter):
    return router.routes[-1]


def test_imports_are_told_by_the_contract() -> None:
    router = APIRouter()

    @router.post("/csv", openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    async def csv() -> None: ...
    assert is_import_route(_route(router))

    @router.put("/batch")
    async def batch(body: Batch) -> None: ...
    assert is_import_route(_route(router))

    @router.post("/small")
    async def small(body: Small) -> None: ...
    assert not is_import_route(_route(router))

    @router.get("/none")
    async def none() -> None: ...
    assert not is_import_route(_route(router))


def test_json_errors_name_every_bad_field() -> None:
    doc = json.loads('{"a": "x\\u0000", "b": [1, 9223372036854775808, -9223372036854775808], '
                     '"c": {"k\\u0000": 1}, "d": "C:\\\\u0000", "e": 9223372036854775807, "f": 1.5e300}',
                     parse_int=_parse_int)
    assert [e["field"] for e in json_errors(doc)] == ["body.a", "body.b.1", "body.c.'k\\x00'"]


def test_huge_integer_literals_are_never_converted() -> None:
    assert json_errors(json.loads("[" + "9" * 100000 + "]", parse_int=_parse_int))[0]["field"] == "body.0"


def test_defs_of_hand_written_schemas_move_to_components() -> None:
    schemas: dict = {}
    doc = {"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "$defs": {"Row": {"type": "object"}}, "properties": {"rows": {"items": {"$ref": "#/$defs/Row"}}}}}}}}}}}
    _hoist_defs(doc, schemas)
    schema = doc["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"properties": {"rows": {"items": {"$ref": "#/components/schemas/Row"}}}}
    assert schemas == {"Row": {"type": "object"}}
