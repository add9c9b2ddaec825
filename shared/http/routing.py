"""Which route a request will reach, found before the router runs (for the edge middlewares)."""

from __future__ import annotations

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


def route_of(scope: Scope) -> tuple[BaseRoute | None, dict[str, Any]]:
    """The route the router would pick for this request and its path parameters (None: no route;
    a route matched by path only, as for a 405, counts)."""
    if _CACHE in scope:  # the edge middlewares share one lookup per request
        cached: tuple[BaseRoute | None, dict[str, Any]] = scope[_CACHE]
        return cached
    found: tuple[BaseRoute | None, dict[str, Any]] = (None, {})
    for route in _routes(scope):
        match, child = route.matches(scope)
        if match == Match.FULL:
            found = (route, child.get("path_params", {}))
            break
        if match == Match.PARTIAL and found[0] is None:
            found = (route, child.get("path_params", {}))
    scope[_CACHE] = found
    return found


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route accepts on this path (the `Allow` of a 405)."""
    methods: set[str] = set()
    for route in _routes(scope):
        if route.matches(scope)[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
