"""The embedded all-in-one: every service in one process, events in-process, relay included."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from services.registry import all_services
from shared.clock import Clock
from shared.embedded_pg import EmbeddedPostgres
from shared.http.app import create_app
from shared.settings import Settings


def build_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    # The registry includes the dashboard, which calls /api/v1 on its own origin: here one app serves every API;
    # in production the gateway (deploy/gateway, or the k8s Ingress) puts the separate services behind one origin.
    return create_app(settings, all_services(), run_relay=True, clock=clock, title="m2c (embedded)")


@contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Settings with a database: the configured one, or an embedded server under data_dir."""
    if settings.database_url:
        yield settings
        return
    pg = EmbeddedPostgres.at(settings.data_dir.resolve() / "pg")  # the port it had last time
    url = pg.start()
    try:
        yield settings.model_copy(update={"database_url": url})
    finally:
        pg.stop()
