"""Gather and render a period's bulletin for a caller: the use case the router and the CLI share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.bulletin.config import BulletinSettings
from services.bulletin.gather import Gatherer
from services.bulletin.render import Format, render_async
from services.bulletin.sources import Sources


async def make_bulletin(sources: Sources, period: str, fmt: Format, settings: BulletinSettings, now: datetime, *,
                        visible: Callable[[str], bool] = lambda _unit: True, scope: tuple[str, ...] = ()) -> bytes:
    gatherer = Gatherer(sources, visible=visible, scope=scope, recovery_target=settings.recovery_target,
                        top_losses=settings.top_losses, top_alerts=settings.top_alerts,
                        concurrency=settings.concurrency, now=now)
    return await render_async(await gatherer.bulletin(period), fmt)
