"""The outbox relay over a real database: crash safety and several relays side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import text

from shared.events.audit import ErrorReported
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.message import OutboundMessage
from shared.messaging.relay import OutboxRelay
from shared.observability import Metrics
from shared.runtime import Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport
from tests.helpers import json_of


def _event(n: int) -> ErrorReported:
    import uuid

    return ErrorReported(
        error_id=uuid.uuid4(), unit=f"QY-QC-{n % 7:02d}", period="2026-10", category="reading",
        nature="clerical", amount=Decimal("10.00"), description=f"e{n}", reporter="t",
        reported_at=datetime.now(UTC),
    )


async def _emit(runtime: Runtime, count: int) -> list[str]:
    ids = []
    async with runtime.uow() as uow:
        for n in range(count):
            ids.append(str(uow.emit(_event(n), subject=f"QY-QC-{n % 7:02d}").id))
        await uow.commit()
    return ids


async def _unpublished(runtime: Runtime) -> int:
    async with runtime.session_factory() as s:
        return (await s.execute(text("SELECT count(*) FROM m2c_outbox WHERE published_at IS NULL"))).scalar_one()


class DiesBeforePublishing:
    """A publisher whose process 'dies' (the relay task is cancelled) before anything is sent."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        self.entered.set()
        await asyncio.sleep(3600)


async def test_relay_killed_after_commit_before_publish_loses_nothing(settings: Settings) -> None:
    runtime = await Runtime.open(settings, transport=InProcessTransport())
    try:
        ids = await _emit(runtime, 3)
        dying = DiesBeforePublishing()
        crashed = OutboxRelay(runtime.session_factory, dying, Metrics())
        task = asyncio.create_task(crashed.relay_once())
        await asyncio.wait_for(dying.entered.wait(), 5)
        task.cancel()  # the relay dies holding its claim; its transaction rolls back
        await asyncio.gather(task, return_exceptions=True)
        assert await _unpublished(runtime) == 3

        broker = InProcessBroker()
        assert await OutboxRelay(runtime.session_factory, broker, Metrics()).relay_once() == 3
        
        sent = [json_of(m)["id"] for m in broker.messages("m2c.audit.v1")]
        assert sent == ids
        assert await _unpublished(runtime) == 0
    finally:
        await runtime.close()


class SlowCountingBroker(InProcessBroker):
    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        await asyncio.sleep(0.01)  # let the other relays run while this one holds its claim
        await super().publish(messages)


async def test_concurrent_relays_publish_each_row_once(settings: Settings) -> None:
    runtime = await Runtime.open(settings, transport=InProcessTransport())
    try:
        ids = await _emit(runtime, 600)
        broker = SlowCountingBroker()
        relays = [OutboxRelay(runtime.session_factory, broker, Metrics(), batch_size=25) for _ in range(4)]

        async def drain(relay: OutboxRelay) -> int:
            total = 0
            while sent := await relay.relay_once():
                total += sent
            return total

        per_relay = await asyncio.gather(*(drain(r) for r in relays))
        
        sent = [json_of(m)["id"] for m in broker.messages("m2c.audit.v1")]
        assert sorted(sent) == sorted(ids)  # every event, none twice
        assert sum(per_relay) == 600 and sum(1 for n in per_relay if n) >= 2  # the work was shared
    finally:
        await runtime.close()


async def test_published_rows_are_purged_after_the_retention(settings: Settings) -> None:
    runtime = await Runtime.open(settings, transport=InProcessTransport())
    try:
        await _emit(runtime, 4)
        relay = OutboxRelay(runtime.session_factory, InProcessBroker(), Metrics(), retention_h=1)
        await relay.relay_once()
        async with runtime.session_factory() as s, s.begin():
            await s.execute(text("UPDATE m2c_outbox SET published_at = now() - interval '2 hours' WHERE id IN "
                                 "(SELECT id FROM m2c_outbox ORDER BY id LIMIT 3)"))
        assert await relay.purge_published() == 3
        await _emit(runtime, 1)  # unpublished rows are never purged
        assert await relay.purge_published() == 0
        async with runtime.session_factory() as s:
            assert (await s.execute(text("SELECT count(*) FROM m2c_outbox"))).scalar_one() == 2
    finally:
        await runtime.close()


async def test_a_commit_into_the_outbox_wakes_an_idle_relay_at_once(settings: Settings) -> None:
    """The relay's idle pause is an hour here: only the outbox's NOTIFY (migration 0020) can make it
    publish the event committed while it sleeps."""
    runtime = await Runtime.open(settings, transport=InProcessTransport())
    stop = asyncio.Event()
    broker = InProcessBroker()
    relay = OutboxRelay(runtime.session_factory, broker, Metrics(), idle_s=3600)
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(1.0)  # listening, idle
        [event_id] = await _emit(runtime, 1)
        for _ in range(100):
            if await _unpublished(runtime) == 0:
                break
            await asyncio.sleep(0.05)
        
        assert [json_of(m)["id"] for m in broker.messages("m2c.audit.v1")] == [event_id]
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        await runtime.close()
