"""`m2c events replay-dlq` in embedded mode asks the running server; without one it says so."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import uvicorn
from typer.testing import CliRunner

from services.cli import app
from services.embedded import build_app
from shared.embedded_pg import free_port
from shared.messaging.message import OutboundMessage
from shared.settings import Settings
from shared.testing.plugin import JWT_SECRET
from tests.helpers import eventually


async def _started(server: uvicorn.Server) -> bool:
    return server.started


def test_replay_without_a_running_server_fails_clearly(tmp_path: Path) -> None:
    env = {"M2C_DATA_DIR": str(tmp_path), "M2C_PORT": str(free_port()), "M2C_KAFKA_BOOTSTRAP": ""}
    result = CliRunner().invoke(app, ["events", "replay-dlq", "--group", "m2c-alerts"], env=env)
    assert result.exit_code == 1
    assert "没有运行中的 m2c" in result.stderr


def test_replay_rejects_a_bad_since(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["events", "replay-dlq", "--since", "yesterday"],
                                env={"M2C_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2 and "--since" in result.output


async def test_replay_in_embedded_mode_goes_through_the_running_server(settings: Settings) -> None:
    port = free_port()
    app_ = build_app(settings)
    server = uvicorn.Server(uvicorn.Config(app_, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), timeout_s=30)
        broker = app_.state.runtime.transport.broker
        letter = {"topic": "m2c.audit.v1", "key": "k", "consumer_group": "m2c-alerts", "error": "x",
                  "reason": "failed", "failed_at": "2026-11-01T00:00:00+00:00", "value_encoding": "json",
                  "value": {"specversion": "1.0"}}
        await broker.publish([OutboundMessage("m2c.dlq.v1", "k", json.dumps(letter).encode())])
        env = {"M2C_DATA_DIR": str(settings.data_dir), "M2C_PORT": str(port), "M2C_JWT_SECRET": JWT_SECRET,
               "M2C_KAFKA_BOOTSTRAP": ""}
        result = await asyncio.to_thread(CliRunner().invoke, app, ["events", "replay-dlq", "--group", "m2c-alerts"],
                                         env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["replayed"] == 1
        replayed = [json.loads(m.value) for m in broker.messages("m2c.audit.v1")]
        # (audit_link's scanner may also have announced CalendarYearMissing on the topic: from 1 Nov)
        assert [m for m in replayed if m.get("type") != "CalendarYearMissing"] == [{"specversion": "1.0"}]
    finally:
        server.should_exit = True
        await serving
