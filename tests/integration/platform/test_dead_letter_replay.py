"""Dead letters back onto their topics (in-process log): applied exactly once, the cursor moves on."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text

from services.alerts.bootstrap import build as build_alerts
from shared.events.audit import ErrorReported
from shared.messaging.dead_letters import ReplayFilter
from shared.messaging.dispatch import ReceivedEvent
from shared.messaging.message import OutboundMessage
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings
from shared.testing.plugin import token
from shared.transport import InProcessTransport
from tests.helpers import embedded_client, json_of
from tests.integration.platform.test_consumer_inprocess import _error_envelope

AUDIT, DLQ = "m2c.audit.v1", "m2c.dlq.v1"


async def _counts(runtime: Runtime) -> tuple[int, int]:
    async with runtime.session_factory() as s:
        alerts = (await s.execute(text("SELECT count(*) FROM alerts_alerts"))).scalar_one()
        inbox = (await s.execute(text("SELECT count(*) FROM m2c_inbox WHERE consumer = 'm2c-alerts'"))).scalar_one()
    return alerts, inbox


async def test_a_dead_letter_replayed_after_the_fix_is_applied_exactly_once(settings: Settings) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings.model_copy(update={"consumer_max_attempts": 2}), transport=transport)
    [alerts] = build_alerts().consumers
    broken = True

    async def flaky(event: ReceivedEvent, uow) -> None:  # a handler bug, fixed later
        if broken:
            raise RuntimeError("bug")
        await alerts.handlers[ErrorReported](event, uow)

    spec = ConsumerSpec(alerts.group, alerts.topics, {**alerts.handlers, ErrorReported: flaky})
    try:
        await transport.broker.publish([OutboundMessage(AUDIT, "QY-QC-01", _error_envelope()),
                                        OutboundMessage(AUDIT, "QY-QC-01", b"not json")])
        loop = runtime.consumer_loop(spec)
        loop._retry_pause_s = 0.01
        assert await loop.poll_once(0.1) == 2
        assert await _counts(runtime) == (0, 0)
        letters = [json_of(m) for m in transport.broker.messages(DLQ)]
        assert [(d["reason"], d["error"][:8]) for d in letters] == [("failed", "RuntimeE"),
                                                                    ("poison", "not JSON")]
        async with runtime.dead_letters() as dlq:
            count, oldest = await dlq.stats()
        assert count == 2 and oldest is not None
        await runtime.relay().measure_dead_letters()  # the relay exports the DLQ gauges
        assert runtime.metrics.dlq_pending._value.get() == 2
        assert 0 <= runtime.metrics.dlq_oldest_age._value.get() < 60

        broken = False
        report = await runtime.replay_dead_letters(ReplayFilter(group="m2c-alerts"))
        assert report.as_dict() == {"replayed": 1, "by_topic": {AUDIT: 1}, "left": 0, "poison_set_aside": 1,
                                    "unreadable": 0}
        assert runtime.metrics.dlq_pending._value.get() == 0
        assert await loop.poll_once(0.1) == 1
        assert await _counts(runtime) == (1, 1)
        [replayed] = transport.broker.messages(AUDIT)[2:]
        assert replayed.headers["m2c_replayed_from"] == f"{DLQ}/0/0"

        # Nothing pending: a second replay sends nothing. Forced again from the start (as after a
        # crash between publish and cursor move), the inbox keeps it at one effect.
        assert (await runtime.replay_dead_letters(ReplayFilter())).as_dict()["replayed"] == 0
        transport.broker._committed[("m2c-dlq-replay", DLQ)] = 0
        assert (await runtime.replay_dead_letters(ReplayFilter())).as_dict()["replayed"] == 1
        assert await loop.poll_once(0.1) == 1
        assert await _counts(runtime) == (1, 1)
        dup = runtime.metrics.events_consumed.labels("m2c-alerts", "ErrorReported", "duplicate")._value.get()
        assert dup == 1
    finally:
        await runtime.close()


async def test_filters_leave_other_letters_pending(settings: Settings) -> None:
    transport = InProcessTransport()
    runtime = await Runtime.open(settings, transport=transport)
    try:
        letter = {"topic": AUDIT, "key": "k", "consumer_group": "m2c-scoring", "error": "x", "reason": "failed",
                  "failed_at": "2026-11-01T00:00:00+00:00", "value_encoding": "json", "value": {"a": 1}}
        await transport.broker.publish([
            OutboundMessage(DLQ, "k", json.dumps(letter).encode()),
            OutboundMessage(DLQ, "k", json.dumps({**letter, "consumer_group": "m2c-alerts"}).encode()),
        ])
        report = await runtime.replay_dead_letters(ReplayFilter(group="m2c-alerts"))
        assert report.as_dict()["replayed"] == 1 and report.left == 1
        # The scoring letter before it holds the cursor: both are still counted as pending.
        async with runtime.dead_letters() as dlq:
            assert (await dlq.stats())[0] == 2
        later = await runtime.replay_dead_letters(ReplayFilter(since=datetime(2026, 12, 1)))
        assert later.as_dict()["replayed"] == 0 and later.left == 2
        everything = await runtime.replay_dead_letters(ReplayFilter())
        assert everything.as_dict()["replayed"] == 2
        async with runtime.dead_letters() as dlq:
            assert (await dlq.stats()) == (0, None)
        assert [json_of(m) for m in transport.broker.messages(AUDIT)] == [{"a": 1}] * 3
    finally:
        await runtime.close()


async def test_the_replay_endpoint_needs_an_admin(settings: Settings) -> None:
    async with embedded_client(settings) as client:
        assert (await client.post("/ops/dead-letters/replay")).status_code == 401
        r = await client.post("/ops/dead-letters/replay", headers=token("viewer"))
        assert r.status_code == 403
        r = await client.post("/ops/dead-letters/replay?group=m2c-alerts", headers=token("admin"))
        assert r.status_code == 200 and r.json()["replayed"] == 0
