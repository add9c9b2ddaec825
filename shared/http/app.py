"""Assembles a FastAPI app from one or more services' parts, with the runtime in its lifespan."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request, Response

from shared.clock import Clock
from shared.http import dead_letters, ops
from shared.http.availability import install_availability
from shared.http.problems import install_problem_handlers
from shared.observability import set_correlation_id
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import Transport

CORRELATION_HEADER = "X-Correlation-ID"


@dataclass(frozen=True)
class ServiceParts:
    """What a service's bootstrap hands to the app: its HTTP routes and its consumer groups."""

    name: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    # Extra background workers (e.g. schedulers), started with the runtime.
    workers: Sequence[tuple[str, Callable[[Runtime], Callable[..., Awaitable[None]]]]] = field(default=())


def create_app(
    settings: Settings, services: Sequence[ServiceParts], *, run_relay: bool = False,
    transport: Transport | None = None, clock: Clock | None = None, title: str = "m2c",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.open(settings, transport=transport, clock=clock)
        app.state.runtime = runtime
        for service in services:
            runtime.start_consumers(service.consumers)
            for name, make_worker in service.workers:
                runtime.spawn(name, make_worker(runtime))
        if run_relay:
            runtime.spawn("outbox-relay", runtime.relay().run)
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(title=title, version="1", lifespan=lifespan,
                  description="m2c — meter-to-cash quality control. Errors are RFC 9457 problem+json.")
    install_problem_handlers(app)
    install_availability(app, max_in_flight=settings.http_max_in_flight, timeout_s=settings.http_request_timeout_s,
                         retry_after_s=settings.http_retry_after_s)
    app.include_router(ops.router)
    app.include_router(dead_letters.router)
    for service in services:
        for router in service.routers:
            app.include_router(router)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        correlation_id = set_correlation_id(request.headers.get(CORRELATION_HEADER))
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is not None:
            runtime.metrics.http_duration.labels(
                request.method, getattr(route, "path", "unmatched"), str(response.status_code),
            ).observe(time.perf_counter() - started)
        response.headers[CORRELATION_HEADER] = correlation_id
        return response

    return app
