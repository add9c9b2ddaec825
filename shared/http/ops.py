"""Open operational endpoints: liveness, readiness, Prometheus metrics, the event contract."""

from __future__ import annotations

import asyncio

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


@router.get("/readyz")
async def readyz(runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    checks: dict[str, str] = {}
    ready = True
    for name, check in (("database", _check_database), ("events", _check_transport)):
        try:
            checks[name] = await asyncio.wait_for(check(runtime), _CHECK_TIMEOUT_S)
        except Exception as exc:
            ready = False
            checks[name] = f"failed: {type(exc).__name__}: {exc}"
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics(runtime: Runtime = Depends(get_runtime)) -> Response:
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi.json")
async def asyncapi(runtime: Runtime = Depends(get_runtime)) -> dict:
    return asyncapi_document(runtime.settings.topic_prefix)


@router.get("/events/schemas")
async def event_schemas() -> dict:
    return all_event_schemas()
