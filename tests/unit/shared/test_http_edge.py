"""Pure parts of the HTTP edge: which routes are imports, where a JSON body breaks the rules, `$defs`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.http.contract import _hoist_defs
from shared.http.input_guard import json_errors, read_json
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
    doc = read_json('{"a": "x\\u0000", "b": [1, 9223372036854775808, -9223372036854775808], '
                    '"c": {"k\\u0000": 1}, "d": "C:\\\\u0000", "e": 9223372036854775807, "f": 1.5e300, '
                    '"g": [NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400, "NaN"]}')
    assert [e["field"] for e in json_errors(doc)] == ["body.a", "body.b.1", "body.c.'k\\x00'", "body.g.0", "body.g.1",
                                                      "body.g.2", "body.g.3", "body.g.4"]
    assert {e["type"] for e in json_errors(doc["g"])} == {"finite_number"}


def test_huge_integer_literals_are_never_converted() -> None:
    assert json_errors(read_json("[" + "9" * 100000 + "]"))[0]["field"] == "body.0"


def test_defs_of_hand_written_schemas_move_to_components() -> None:
    schemas: dict = {}
    doc = {"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "$defs": {"Row": {"type": "object"}}, "properties": {"rows": {"items": {"$ref": "#/$defs/Row"}}}}}}}}}}}
    _hoist_defs(doc, schemas)
    schema = doc["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"properties": {"rows": {"items": {"$ref": "#/components/schemas/Row"}}}}
    assert schemas == {"Row": {"type": "object"}}
