"""Assembles a FastAPI app from one or more services' parts, with the runtime in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from shared.clock import Clock
from shared.http import dead_letters, ops
from shared.http.audit_trail import AuditTrailMiddleware
from shared.http.availability import install_availability
from shared.http.contract import PROBLEM_RESPONSES, install_contract
from shared.http.edge_problems import install_edge_handlers
from shared.http.input_guard import InputGuard
from shared.http.limits import BodyLimits
from shared.http.observe import CORRELATION_HEADER as CORRELATION_HEADER  # where tests and clients look for it
from shared.http.observe import ObserveRequests
from shared.http.problems import install_problem_handlers
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import Transport
from shared.validation import TIME_CONVENTION


@dataclass(frozen=True)
class ServiceParts:
    """What a service's bootstrap hands to the app: its HTTP routes and its consumer groups."""

    name: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    # Extra background workers (e.g. schedulers), started with the runtime.
    workers: Sequence[tuple[str, Callable[[Runtime], Callable[..., Awaitable[None]]]]] = field(default=())
    # Set on app.state for the service's route dependencies (e.g. its settings, built once by its bootstrap).
    state: Mapping[str, object] = field(default_factory=dict)


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

    # Swagger UI and ReDoc from the package's own copies of their assets (no CDN: /docs works offline).
    app = FastAPIOffline(title=title, version="1", lifespan=lifespan,
                         description="m2c — meter-to-cash quality control. Errors are RFC 9457 problem+json. "
                                     f"Every time returned: {TIME_CONVENTION}. Dates YYYY-MM-DD and "
                                     "periods YYYY-MM are not times.")
    install_problem_handlers(app)
    install_edge_handlers(app)
    install_contract(app)
    install_availability(app, max_in_flight=settings.http_max_in_flight, timeout_s=settings.http_request_timeout_s,
                         retry_after_s=settings.http_retry_after_s)
    app.include_router(ops.router)
    app.include_router(dead_letters.router)
    for service in services:
        for key, value in service.state.items():
            setattr(app.state, key, value)
        for router in service.routers:
            app.include_router(router, responses=PROBLEM_RESPONSES)
    # Innermost first: NUL/int64 checks, then (outside them) the size limits, before auth and parsing.
    app.add_middleware(InputGuard)
    app.add_middleware(BodyLimits, max_body_bytes=settings.http_max_body_bytes,
                       max_import_bytes=settings.http_max_import_bytes,
                       max_header_bytes=settings.http_max_header_bytes)
    app.add_middleware(ObserveRequests)  # correlation id and duration: outside the limits, they count refusals too
    app.add_middleware(AuditTrailMiddleware)  # outermost: it sees every write's final status
    return app
