"""The embedded all-in-one app served on a loopback port from a thread of its own (its own event
loop and lifespan), so that synchronous property-based tools (schemathesis, hypothesis) can call it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from services.embedded import build_app
from shared.clock import Clock
from shared.embedded_pg import free_port
from shared.settings import Settings


@contextmanager
def served(settings: Settings, *, clock: Clock | None = None) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) once the app has started; stops it after."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build_app(settings, clock=clock), host="127.0.0.1", port=port,
                                           lifespan="on", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="served-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
