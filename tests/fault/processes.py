"""`m2c serve alerts` and `m2c relay` as OS processes for the fault tests (killed with SIGKILL,
started again), and ErrorReported events written into the outbox as audit-link would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from shared.embedded_pg import free_port
from shared.events.audit import ErrorReported
from shared.runtime import Runtime
from shared.settings import Settings

M2C = shutil.which("m2c", path=str(Path(sys.executable).parent)) or "m2c"
UNITS = tuple(f"QY-QC-{i:02d}" for i in range(1, 7))


@dataclass
class Processes:
    """Named m2c processes over one database and broker; logs under `logs`."""

    settings: Settings
    logs: Path
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def _env(self, port: int) -> dict[str, str]:
        s = self.settings
        return {**os.environ, "M2C_DATABASE_URL": s.required_database_url(),
                "M2C_KAFKA_BOOTSTRAP": s.required_kafka_bootstrap(),
                "M2C_TOPIC_PREFIX": s.topic_prefix, "M2C_JWT_SECRET": s.resolved_jwt_secret(),
                "M2C_KAFKA_PARTITIONS": str(s.kafka_partitions), "M2C_RELAY_IDLE_S": "0.05",
                "M2C_CONSUMER_RETRY_MAX_S": "1", "M2C_PORT": str(port), "M2C_METRICS_PORT": str(port),
                "M2C_HOST": "127.0.0.1"}

    def start(self, name: str, *args: str) -> None:
        with open(self.logs / f"{name}.log", "a") as log:
            self.running[name] = subprocess.Popen([M2C, *args], env=self._env(free_port()),
                                                  stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed on the way out."""
        proc = self.running.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.running.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.running.clear()


def error_reported(i: int) -> ErrorReported:
    return ErrorReported(
        error_id=uuid.uuid4(), unit=UNITS[i % len(UNITS)], period="2026-10", category="reading", nature="fraud",
        amount=Decimal("500.00"), description="窃电", reporter="fault", reported_at=datetime.now(UTC), level=None,
    )


async def write_errors(runtime: Runtime, first: int, n: int) -> None:
    """n ErrorReported events into the outbox, in one transaction (what audit-link's handler does)."""
    async with runtime.uow() as uow:
        for i in range(first, first + n):
            event = error_reported(i)
            uow.emit(event, subject=event.unit)
        await uow.commit()


async def effects(runtime: Runtime) -> dict[str, int]:
    """What the alerts consumer did, counted in the database (every figure must equal the events)."""
    async with runtime.session_factory() as s:
        row = (await s.execute(text(
            "SELECT (SELECT count(*) FROM alerts_alerts) AS alerts,"
            " (SELECT count(DISTINCT fingerprint) FROM alerts_alerts) AS fingerprints,"
            " (SELECT count(*) FROM alerts_history WHERE change = 'raised') AS raised,"
            " (SELECT coalesce(max(count), 0) FROM alerts_alerts) AS max_count,"
            " (SELECT count(*) FROM m2c_inbox WHERE consumer = 'm2c-alerts' AND event_type = 'ErrorReported') AS inbox,"
            " (SELECT count(*) FROM m2c_outbox WHERE event_type = 'AlertRaised') AS alert_events,"
            " (SELECT count(*) FROM m2c_outbox WHERE published_at IS NULL) AS unpublished"))).mappings().one()
    return dict(row)


def exactly(n: int) -> dict[str, int]:
    return {"alerts": n, "fingerprints": n, "raised": n, "max_count": 1, "inbox": n, "alert_events": n,
            "unpublished": 0}
