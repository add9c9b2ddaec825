"""scoring's background work: the re-scorer, which scores a period again after late errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from services.scoring.config import ScoringSettings
from services.scoring.handlers.rescore import (
    RESCORED_BY,
    PostponeRescore,
    RescoreNext,
    ScheduleRescores,
    postpone_rescore,
    rescore_next,
    schedule_rescores,
)
from shared.runtime import Runtime

log = logging.getLogger(__name__)
__all__ = ["RESCORED_BY", "rescore_due", "rescorer"]


async def rescore_due(runtime: Runtime, delay_s: float) -> list[str]:
    """Give new requests their due time (`delay_s` from now on the runtime's clock), then score again,
    each in its own transaction, every period that is due; safe with replicas (a claimed period is
    skipped by the others)."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        await schedule_rescores(ScheduleRescores(now + timedelta(seconds=delay_s)), uow)
    done: list[str] = []
    while True:
        async with runtime.uow() as uow:
            rescored = await rescore_next(RescoreNext(now), uow)
        if rescored is None:
            return done
        if rescored.run is None:
            async with runtime.uow() as uow:
                await postpone_rescore(PostponeRescore(rescored.period, now + timedelta(seconds=delay_s)), uow)
            continue
        log.info("re-scored %s after late errors: revision %d", rescored.period, rescored.run.revision)
        done.append(rescored.period)


def rescorer(settings: ScoringSettings) -> Callable[[Runtime], Callable[[asyncio.Event], Awaitable[None]]]:
    """The re-scorer's worker, with the settings bootstrap built."""

    def worker(runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
        async def run(stop: asyncio.Event) -> None:
            while not stop.is_set():
                await rescore_due(runtime, settings.rescore_delay_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.rescore_interval_s)

        return run

    return worker
