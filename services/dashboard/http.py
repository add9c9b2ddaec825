"""Serves the single-page dashboard: `/` is the page, `/dashboard/static/…` its scripts, styles and vendored
libraries. The page needs no token to load; every number it shows comes from the services' APIs, called by
the browser with the user's bearer token."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PACKAGE = "services.dashboard"
STATIC_PREFIX = "/dashboard/static"


def build_router() -> APIRouter:
    router = APIRouter(tags=["dashboard"])

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        page = files(PACKAGE).joinpath("static", "index.html").read_text(encoding="utf-8")
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    router.mount(STATIC_PREFIX, StaticFiles(packages=[(PACKAGE, "static")]), name="dashboard-static")
    return router
