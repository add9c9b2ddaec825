"""scoring's background work: the re-scorer, which scores a period again after late errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from services.scoring import handlers
from services.scoring.adapters import rescore_repository
from services.scoring.config import ScoringSettings
from shared.runtime import Runtime

log = logging.getLogger(__name__)
RESCORED_BY = "system:rescore"


async def rescore_due(runtime: Runtime, delay_s: float) -> list[str]:
    """Give new requests their due time (`delay_s` from now on the runtime's clock), then score again,
    each in its own transaction, every period that is due; safe with replicas (a claimed period is
    skipped by the others)."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        await rescore_repository.schedule_new(uow.session, now + timedelta(seconds=delay_s))
        await uow.commit()
    done: list[str] = []
    while True:
        async with runtime.uow() as uow:
            period = await rescore_repository.claim_due(uow.session, now)
            if period is None:
                return done
            try:
                run = await handlers.score_period(period, RESCORED_BY, uow, now)
            except handlers.IncompletePeriod as exc:  # the last run published no incomplete station
                log.warning("not re-scoring %s: %s; waiting for the facts or a scoring by hand", period, exc)
                run = None
            except Exception:  # rolled back with everything it emitted; the request stays
                log.exception("re-scoring %s failed; trying again after the delay", period)
                run = None
        if run is None:
            async with runtime.uow() as uow:
                await rescore_repository.postpone(uow.session, period, now + timedelta(seconds=delay_s))
                await uow.commit()
            continue
        log.info("re-scored %s after late errors: revision %d", period, run.revision)
        done.append(period)


def rescorer(runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
    settings = ScoringSettings()

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await rescore_due(runtime, settings.rescore_delay_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.rescore_interval_s)

    return run
