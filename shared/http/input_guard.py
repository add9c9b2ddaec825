"""One validation layer at the edge for what no route may receive: NUL in a path, query, header or
JSON string (PostgreSQL cannot store it), integers beyond int64 (PostgreSQL's bigint) in a JSON
body or in a path/query parameter the route declares as an integer, and numbers that are not finite
in a JSON body (`NaN`, `Infinity` — which Python's JSON reader accepts though JSON has no such thing —
and literals like `1e400` that overflow to infinity; jsonb cannot store them, and no threshold, price
or amount is one). 422 naming the field, in the `body.x.y` / `query.x` form of FastAPI's own
validation errors.

The JSON body is scanned as it streams past, with a cheap byte search; only a body that shows a
`\\u0000` escape, a run of 19+ digits, `NaN`, `Infinity` or a 3-digit exponent is parsed (once, at
its end) to name the field.
"""

from __future__ import annotations

import json
import math
import re
import types
from typing import Any, Union, get_args, get_origin
from urllib.parse import parse_qsl

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.edge_problems import EdgeProblem, send_problem
from shared.http.routing import route_of
from shared.validation import INT64_MAX, INT64_MIN

_SUSPECT = re.compile(rb"\\u0000|[0-9]{19,}|NaN|Infinity|[eE]\+?[0-9]{3,}")
_TAIL = 32


class _OutOfRange(int):
    """An integer literal beyond int64, kept as its text (never converted: it may be huge)."""


class _NotFinite(float):
    """NaN or an infinity read from a JSON body (a marker: never a value a route sees)."""


def _parse_float(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(value)


def _parse_constant(text: str) -> float:  # NaN, Infinity, -Infinity
    return _NotFinite(text)


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) < 19:
        return int(text)
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= int(text) <= INT64_MAX:
        return _OutOfRange(0)
    return int(text)


def _nul(field: str) -> dict[str, str]:
    return {"field": field, "message": "不能包含 NUL 字符 (must not contain NUL, \\u0000)", "type": "string_nul"}


def _range(field: str) -> dict[str, str]:
    return {"field": field, "message": f"超出 64 位整数范围 (must lie in {INT64_MIN}…{INT64_MAX})",
            "type": "int64_range"}


def read_json(body: bytes | str) -> Any:
    """A JSON document with huge integers kept unconverted and non-finite numbers marked (ValueError if not JSON)."""
    return json.loads(body, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def _not_finite(field: str) -> dict[str, str]:
    return {"field": field, "message": "须为有限数值，不能是 NaN 或无穷大 (must be a finite number)",
            "type": "finite_number"}


def json_errors(value: Any, loc: str = "body") -> list[dict[str, str]]:
    """NUL in any string or key, integers beyond int64 and numbers that are not finite, anywhere in a parsed
    JSON document."""
    if isinstance(value, _NotFinite):
        return [_not_finite(loc)]
    if isinstance(value, str):
        return [_nul(loc)] if "\x00" in value else []
    if isinstance(value, _OutOfRange):
        return [_range(loc)]
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += [_nul(f"{loc}.{k!r}")] if "\x00" in k else json_errors(v, f"{loc}.{k}")
        return out
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in json_errors(v, f"{loc}.{i}")]
    return []


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return get_origin(annotation) in (Union, types.UnionType) and int in get_args(annotation)


def _int_params(route: BaseRoute) -> tuple[set[str], set[str]]:
    """Aliases of the route's path and query parameters declared as integers."""
    path, query = set(), set()
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        path |= {f.alias for f in dependant.path_params if _is_int(f.field_info.annotation)}
        query |= {f.alias for f in dependant.query_params if _is_int(f.field_info.annotation)}
        stack += dependant.dependencies
    return path, query


def _beyond_int64(value: str) -> bool:
    digits = value.strip().lstrip("+-")
    return digits.isdigit() and (len(digits) > 19 or not INT64_MIN <= int(value) <= INT64_MAX)


def _unfit(what: str, errors: list[dict[str, str]]) -> EdgeProblem:
    fields = ", ".join(e["field"] for e in errors)
    return EdgeProblem(422, "请求参数无效", f"输入无效 (invalid {what}): {fields}", errors=errors)


class InputGuard:
    """ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._ints: dict[int, tuple[set[str], set[str]]] = {}

    def _parameter_errors(self, scope: Scope) -> list[dict[str, str]]:
        route, path_params = route_of(scope)
        path_ints: set[str] = set()
        query_ints: set[str] = set()
        if route is not None:
            if id(route) not in self._ints:
                self._ints[id(route)] = _int_params(route)
            path_ints, query_ints = self._ints[id(route)]
        errors = []
        if "\x00" in scope.get("path", ""):
            named = [k for k, v in path_params.items() if "\x00" in str(v)]
            errors += [_nul(f"path.{k}") for k in named] or [_nul("path")]
        errors += [_range(f"path.{k}") for k, v in path_params.items() if k in path_ints and _beyond_int64(str(v))]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        for name, value in query:
            if "\x00" in name or "\x00" in value:
                errors.append(_nul(f"query.{name}"))
            elif name in query_ints and _beyond_int64(value):
                errors.append(_range(f"query.{name}"))
        errors += [_nul(f"header.{k.decode('latin-1')}") for k, v in scope.get("headers", ()) if b"\x00" in v]
        return errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = self._parameter_errors(scope)
        if errors:
            await send_problem(scope, receive, send, _unfit("parameters", errors))
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
        # FastAPI reads a body without a Content-Type as JSON too
        if content_type and (b"json" not in content_type or b"ndjson" in content_type):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        tail, suspect = b"", False

        async def scanned() -> Message:
            nonlocal tail, suspect
            message = await receive()
            if message["type"] != "http.request":
                return message
            body = message.get("body", b"")
            chunks.append(body)
            suspect = suspect or _SUSPECT.search(tail + body) is not None
            tail = (tail + body)[-_TAIL:]
            if suspect and not message.get("more_body", False):
                self._check_json(b"".join(chunks))
            return message

        await self.app(scope, scanned, send)

    @staticmethod
    def _check_json(body: bytes) -> None:
        try:
            document = read_json(body)
        except ValueError:
            return  # not JSON: the route's own validation says so
        errors = json_errors(document)
        if errors:
            raise _unfit("body", errors)
