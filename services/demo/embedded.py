"""Load the demo into a database through an in-process embedded app (no server needed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from services.demo.clock import ShiftableClock
from services.demo.loader import DemoSummary, demo_is_loaded, load_demo
from shared.settings import Settings


async def load_into(settings: Settings, *, seed: int = 2026, customers: int = 20_000, size: float = 1.0,
                    today: date | None = None, only_if_fresh: bool = False,
                    say: Callable[[str], None] = print) -> DemoSummary | None:
    """Build the embedded app over `settings.database_url` (migrated), load the demo, shut it down.

    only_if_fresh: do nothing when the database already has the demo's org tree (for `make run`).
    """
    from services.embedded_client import embedded_client

    clock = ShiftableClock()
    async with embedded_client(settings, clock=clock, request_timeout_s=600) as client:
        secret = settings.resolved_jwt_secret()
        if only_if_fresh and await demo_is_loaded(client, secret=secret):
            say("demo: the database has data already; not loading the demo")
            return None
        return await load_demo(client, seed=seed, customers=customers, size=size, today=today, secret=secret,
                               clock=clock, say=say)
