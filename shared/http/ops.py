"""Open operational endpoints: liveness, readiness, Prometheus metrics, the event contract."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from shared.events.schemas import all_event_schemas, asyncapi_document
from shared.http.deps import get_runtime
from shared.migration_state import database_revision, head_revision
from shared.runtime import Runtime

router = APIRouter(tags=["ops"])
_CHECK_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database(runtime: Runtime) -> str:
    async with runtime.session_factory() as session:
        await session.execute(text("SELECT 1"))
        revision = await database_revision(session)
    head = head_revision()
    if revision != head:
        raise RuntimeError(f"migrations at {revision}, head is {head}")
    return f"ok (migrations at head {head})"


async def _check_transport(runtime: Runtime) -> str:
    await runtime.transport.ping()
    return f"ok ({runtime.transport.name})"


async def _check_consumers(runtime: Runtime) -> str:
    waiting = {group: h for group, h in runtime.consumer_health.items() if not h.ready}
    if waiting:
        now = time.monotonic()
        raise RuntimeError("; ".join(f"{group} waiting {now - (h.waiting_since or now):.1f} s: {h.reason}"
                                     for group, h in sorted(waiting.items())))
    return f"ok ({len(runtime.consumer_health)} groups)"


@router.get("/readyz")
async def readyz(runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    checks: dict[str, str] = {}
    ready = True
    for name, check in (("database", _check_database), ("events", _check_transport),
                        ("consumers", _check_consumers)):
        try:
            checks[name] = await asyncio.wait_for(check(runtime), _CHECK_TIMEOUT_S)
        except Exception as exc:
            ready = False
            checks[name] = f"failed: {type(exc).__name__}: {exc}"
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, responses={200: {
    "description": "Prometheus text exposition", "content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics(runtime: Runtime = Depends(get_runtime)) -> Response:
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi.json")
async def asyncapi(runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    return asyncapi_document(runtime.settings.topic_prefix)


@router.get("/events/schemas")
async def event_schemas() -> dict[str, Any]:
    return all_event_schemas()
