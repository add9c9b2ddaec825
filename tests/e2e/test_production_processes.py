"""Production mode as deployed: `m2c serve audit-link`, `m2c serve alerts` and `m2c relay` as
separate OS processes over the real Kafka broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.embedded_pg import free_port
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import GRAVE_ERROR_BODY, SMALL_BUREAU_ORG, eventually, seed_org_units

pytestmark = pytest.mark.kafka
M2C = shutil.which("m2c", path=str(Path(sys.executable).parent)) or "m2c"


@pytest.fixture
def processes(kafka_settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    asyncio.run(seed_org_units(kafka_settings.required_database_url(), SMALL_BUREAU_ORG))  # no scoring process here
    env = {
        **os.environ, "M2C_DATABASE_URL": kafka_settings.required_database_url(), "M2C_KAFKA_BOOTSTRAP":
        kafka_settings.required_kafka_bootstrap(), "M2C_TOPIC_PREFIX": kafka_settings.topic_prefix,
        "M2C_JWT_SECRET": kafka_settings.resolved_jwt_secret(), "M2C_KAFKA_PARTITIONS": "1",
    }
    urls, procs = {}, []
    for name, args in (("audit-link", ["serve", "audit-link"]), ("alerts", ["serve", "alerts"]),
                       ("relay", ["relay"])):
        port = free_port()
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process below)
        procs.append((subprocess.Popen([M2C, *args], env={**env, "M2C_PORT": str(port),
                                                           "M2C_METRICS_PORT": str(port)},
                                       stdout=log, stderr=subprocess.STDOUT), log))
        urls[name] = f"http://127.0.0.1:{port}"
    try:
        yield urls
    finally:
        for proc, _ in procs:
            proc.send_signal(signal.SIGTERM)
        for proc, log in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


async def test_error_to_alert_across_processes(processes: dict[str, str]) -> None:
    admin = token("admin")
    async with httpx.AsyncClient(timeout=5) as http:
        async def ready(url: str):
            try:
                return (await http.get(f"{url}/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        for name in ("audit-link", "alerts"):
            await eventually(functools.partial(ready, processes[name]), timeout_s=60, pause_s=0.5)
        await eventually(lambda: _metrics_up(http, processes), timeout_s=60, pause_s=0.5)

        r = await http.post(f"{processes['audit-link']}/api/v1/errors", json=GRAVE_ERROR_BODY, headers=admin)
        assert r.status_code == 201, r.text
        error_id = r.json()["id"]

        async def alert():
            items = (await http.get(f"{processes['alerts']}/api/v1/alerts", headers=admin)).json()["items"]
            return [a for a in items if a["fingerprint"].endswith(error_id)]

        [found] = await eventually(alert, timeout_s=60, pause_s=0.5)
        assert found["unit"] == GRAVE_ERROR_BODY["unit"]
        relay_metrics = (await http.get(f"{processes['relay']}/metrics")).text
        assert "m2c_events_produced_total" in relay_metrics


async def _metrics_up(http: httpx.AsyncClient, processes: dict[str, str]) -> bool:
    try:
        return (await http.get(f"{processes['relay']}/metrics")).status_code == 200
    except httpx.TransportError:
        return False
