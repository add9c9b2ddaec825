"""The webhook delivery worker wakes on PostgreSQL NOTIFY when a group becomes due (issue 12,
migration 0019): a webhook goes out at once, not after the worker's poll pause."""

from __future__ import annotations

import time
import uuid

import asyncpg
import pytest
from sqlalchemy import text

from shared.embedded_pg import free_port
from shared.settings import Settings
from tests.helpers import eventually, runtime_of
from tests.integration.alerts.receiver import Receiver
from tests.integration.alerts.support import escalated, publish, rows
from tests.integration.alerts.test_webhook_delivery import SECRET, _app, _subscribe, _true

POLL_S = 60.0  # longer than the test may take: only a wake-up can explain a prompt webhook


@pytest.fixture(autouse=True)
def slow_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_ALERTS_POLL_S", str(POLL_S))


async def test_a_due_group_wakes_the_worker_at_once(settings: Settings) -> None:
    receiver = Receiver(SECRET, free_port())
    await receiver.start()
    try:
        async with _app(settings) as client:
            runtime = runtime_of(client)
            await _subscribe(client, receiver.url)
            for unit in ("QY-QC-01", "QY-QC-02"):  # the second one long after the worker's first pause began
                started = time.monotonic()
                await publish(runtime, escalated(uuid.uuid4(), unit=unit), unit)
                await eventually(_true(lambda u=unit: any(b["alerts"][0]["unit"] == u for b in receiver.received)))
                assert time.monotonic() - started < POLL_S / 4
            async def states() -> list[str] | None:  # the receiver logs a POST before the worker records it
                sent = await rows(runtime, "SELECT state FROM alerts_deliveries ORDER BY seq")
                found = [d["state"] for d in sent]
                return found if found == ["delivered", "delivered"] else None

            await eventually(states, timeout_s=5.0)
    finally:
        await receiver.stop()


async def test_the_triggers_notify_only_work_due_now(settings: Settings) -> None:
    """A group due later (group_wait) is left to the poll; a group due now notifies the channel."""
    async with _app(settings) as client:
        runtime = runtime_of(client)
        conn = await asyncpg.connect(settings.required_database_url().replace("postgresql+asyncpg://", "postgresql://"))
        heard: list[str] = []
        await conn.add_listener("m2c_alerts_due", lambda *args: heard.append(args[2]))
        try:
            sub = await _subscribe(client, "http://127.0.0.1:9/hook", group_wait_s=3600)
            async with runtime.session_factory() as s, s.begin():
                await s.execute(text(
                    "INSERT INTO alerts_groups (subscription_id, group_key, labels, created_at, next_flush_at)"
                    " VALUES (:sub, 'later', '{}', now(), now() + interval '1 hour')"), {"sub": sub["id"]})
            await conn.execute("SELECT 1")  # notifications are delivered between statements
            assert heard == []
            async with runtime.session_factory() as s, s.begin():
                await s.execute(text("UPDATE alerts_groups SET next_flush_at = now() WHERE group_key = 'later'"))
            await eventually(_true(lambda: bool(heard)))
            assert set(heard) == {"m2c_alerts_due"}
        finally:
            await conn.close()
