"""Which route a request will reach, found before the router runs (for the edge middlewares)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def route_of(scope: Scope) -> tuple[BaseRoute | None, dict[str, Any]]:
    """The route the router would pick for this request and its path parameters (None: no route;
    a route matched by path only, as for a 405, counts)."""
    app = scope.get("app")
    partial: tuple[BaseRoute | None, dict[str, Any]] = (None, {})
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, child = route.matches(scope)
        if match == Match.FULL:
            return route, child.get("path_params", {})
        if match == Match.PARTIAL and partial[0] is None:
            partial = (route, child.get("path_params", {}))
    return partial


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route accepts on this path (the `Allow` of a 405)."""
    app = scope.get("app")
    methods: set[str] = set()
    for route in getattr(getattr(app, "router", None), "routes", ()):
        if route.matches(scope)[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
