"""The transport contract: what the relay and the consumer loop rely on, run against both transports —
the in-process log of the embedded mode (shared/messaging/inprocess.py) and the real Kafka broker
(shared/messaging/kafka.py, three partitions per topic). The same test functions; only the fixture differs.

- ordering per key: messages of one key arrive in the order they were published (across keys, no promise);
- redelivery after a crash before commit: a consumer that stops without committing leaves the rest of its
  batch to the next consumer of its group, which starts after the last commit;
- DLQ: a message that cannot be applied goes to the dead-letter topic with its group and error, is
  committed, and the loop goes on with the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.events import topics
from shared.events.audit import ErrorReported
from shared.events.envelope import new_envelope
from shared.messaging.dispatch import ReceivedEvent
from shared.messaging.message import InboundMessage, OutboundMessage
from shared.messaging.ports import MessageSource
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.transport import InProcessTransport
from shared.uow import UnitOfWork
from tests.helpers import eventually

KAFKA_PARTITIONS = 3  # several partitions: keys spread over them, and each key keeps its order


@pytest.fixture(params=["in-process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def runtime(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime over this test's database and one of the two transports (started, then closed)."""
    if request.param == "kafka":
        kafka_settings: Settings = request.getfixturevalue("kafka_settings")
        opened = await Runtime.open(kafka_settings.model_copy(update={"kafka_partitions": KAFKA_PARTITIONS}))
    else:
        opened = await Runtime.open(settings, transport=InProcessTransport())
    try:
        yield opened
    finally:
        await opened.close()


@contextlib.asynccontextmanager
async def _source(runtime: Runtime, group: str, topic: str) -> AsyncIterator[MessageSource]:
    source = runtime.transport.source(group, [topic])
    await source.start()
    try:
        yield source
    finally:
        await source.stop()


async def _fetch_until(source: MessageSource, count: int, *, commit: bool) -> list[InboundMessage]:
    got: list[InboundMessage] = []

    async def enough() -> bool:
        batch = await source.fetch(0.5)
        if commit and batch:
            await source.commit(batch)
        got.extend(batch)
        return len(got) >= count

    await eventually(enough, timeout_s=60)
    return got


async def _next_consumer_sees(runtime: Runtime, group: str, topic: str) -> list[bytes | None]:
    """What a new consumer of the group fetches before a marker published now (so an empty answer means
    "nothing uncommitted", not "not joined yet")."""
    marker = f"marker-{uuid.uuid4().hex}".encode()
    await runtime.transport.publisher.publish([OutboundMessage(topic, "k", marker)])
    async with _source(runtime, group, topic) as source:
        got: list[bytes | None] = []

        async def marker_seen() -> bool:
            batch = await source.fetch(0.5)
            if batch:
                await source.commit(batch)
            got.extend(m.value for m in batch)
            return marker in got

        await eventually(marker_seen, timeout_s=60)
    return [v for v in got if v != marker]


def _names(runtime: Runtime) -> tuple[str, str]:
    """A topic of the catalogue (created with the transport) and a consumer group of this test."""
    return runtime.settings.topic(topics.AUDIT), runtime.settings.topic(f"contract-{uuid.uuid4().hex[:8]}")


async def test_messages_of_one_key_arrive_in_publishing_order(runtime: Runtime) -> None:
    topic, group = _names(runtime)
    keys = [f"unit-{k}" for k in range(6)]
    # interleaved, and published in several calls: one key's messages are never contiguous
    for i in range(8):
        await runtime.transport.publisher.publish(
            [OutboundMessage(topic, key, f"{key}/{i}".encode()) for key in keys])
    async with _source(runtime, group, topic) as source:
        got = await _fetch_until(source, len(keys) * 8, commit=True)
    by_key: dict[str, list[int]] = {}
    for m in got:
        key, seq = (m.value or b"/").decode().split("/")
        assert m.key == key
        by_key.setdefault(key, []).append(int(seq))
    assert by_key == {key: list(range(8)) for key in keys}  # each once, in order


async def test_a_consumer_that_stops_before_committing_leaves_the_rest_to_the_next(runtime: Runtime) -> None:
    topic, group = _names(runtime)
    await runtime.transport.publisher.publish([OutboundMessage(topic, "k", str(i).encode()) for i in range(6)])
    async with _source(runtime, group, topic) as crashing:
        batch = await _fetch_until(crashing, 6, commit=False)
        assert [m.value for m in batch] == [str(i).encode() for i in range(6)]
        await crashing.commit(batch[:2])  # two applied, then the process dies: no commit for the rest
    async with _source(runtime, group, topic) as restarted:
        again = await _fetch_until(restarted, 4, commit=True)
    assert [m.value for m in again] == [str(i).encode() for i in range(2, 6)]
    assert [m.offset for m in again] == [m.offset for m in batch[2:]]  # the same messages, not copies
    assert await _next_consumer_sees(runtime, group, topic) == []  # all committed now: nothing comes back


def _error_reported(marker: str) -> bytes:
    data = {"error_id": str(uuid.uuid4()), "unit": "QY-QC-01", "period": "2026-10", "category": "reading",
            "nature": "fraud", "amount": "500.00", "description": marker, "reporter": "t",
            "reported_at": "2026-10-05T08:00:00Z"}
    return new_envelope(type_="ErrorReported", source="m2c/audit-link", version=1, subject="QY-QC-01",
                        data=data).to_bytes()


async def test_what_cannot_be_applied_goes_to_the_dlq_and_the_loop_goes_on(runtime: Runtime) -> None:
    topic, group = _names(runtime)
    applied: list[str] = []
    tried: list[str] = []

    async def handler(event: ReceivedEvent, uow: UnitOfWork) -> None:
        tried.append(event.payload.description)
        if event.payload.description == "fails":
            raise RuntimeError("the handler fails every time")
        applied.append(event.payload.description)

    await runtime.transport.publisher.publish([
        OutboundMessage(topic, "QY-QC-01", b"\xff not json"),
        OutboundMessage(topic, "QY-QC-01", _error_reported("fails")),
        OutboundMessage(topic, "QY-QC-01", _error_reported("after")),
    ])
    spec = ConsumerSpec(group.removeprefix(runtime.settings.topic_prefix), (topics.AUDIT,),
                        {ErrorReported: handler})
    loop = runtime.consumer_loop(spec)
    loop._retry_pause_s = 0.01  # the retries of the failing handler, quickly
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await eventually(lambda: asyncio.sleep(0, result=applied == ["after"]), timeout_s=60)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert tried == ["fails"] * runtime.settings.consumer_max_attempts + ["after"]

    async with runtime.dead_letters() as letters:
        dead: list[dict[str, Any]] = [json.loads(m.value or b"{}") for m in await letters.pending()]
    assert [(d["consumer_group"], d["error"].split(":")[0]) for d in dead] == [
        (spec.group, "not JSON"), (spec.group, "RuntimeError")]
    assert await _next_consumer_sees(runtime, group, topic) == []  # all three committed
