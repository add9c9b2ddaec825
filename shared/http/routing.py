"""Which route a request will reach, found before the router runs (for the edge middlewares)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

_CACHE = "m2c.edge_route"


def _leaves(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """The app's routes with included routers opened (newer FastAPI keeps them as one route each;
    create_app includes them without a prefix of their own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaves(inner.routes)
        else:
            yield route


def _routes(scope: Scope) -> Iterator[BaseRoute]:
    return _leaves(getattr(getattr(scope.get("app"), "router", None), "routes", ()))


_MAX_REMEMBERED = 4096


def route_of(scope: Scope) -> tuple[BaseRoute | None, dict[str, Any]]:
    """The route the router would pick for this request and its path parameters (None: no route;
    a route matched by path only, as for a 405, counts)."""
    if _CACHE in scope:  # the edge middlewares share one lookup per request
        cached: tuple[BaseRoute | None, dict[str, Any]] = scope[_CACHE]
        return cached
    # The app's routes are fixed once it serves: the same method and path find the same route, so
    # requests after the first skip the walk over every route (bounded; forgotten all at once when full).
    router = getattr(scope.get("app"), "router", None)
    routes = getattr(router, "routes", ())
    remembered: dict[tuple[Any, ...], tuple[BaseRoute | None, dict[str, Any]]] | None = getattr(router, _CACHE, None)
    if remembered is None:
        remembered = {}
        with contextlib.suppress(AttributeError):
            setattr(router, _CACHE, remembered)
    key = (len(routes), scope["type"], scope.get("method"), scope.get("root_path", ""), scope["path"])
    found = remembered.get(key)
    if found is None:
        found = _find(scope)
        if len(remembered) >= _MAX_REMEMBERED:
            remembered.clear()
        remembered[key] = found
    scope[_CACHE] = found
    return found


def _find(scope: Scope) -> tuple[BaseRoute | None, dict[str, Any]]:
    found: tuple[BaseRoute | None, dict[str, Any]] = (None, {})
    for route in _routes(scope):
        match, child = route.matches(scope)
        if match == Match.FULL:
            return route, child.get("path_params", {})
        if match == Match.PARTIAL and found[0] is None:
            found = (route, child.get("path_params", {}))
    return found


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route accepts on this path (the `Allow` of a 405)."""
    methods: set[str] = set()
    for route in _routes(scope):
        if route.matches(scope)[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
