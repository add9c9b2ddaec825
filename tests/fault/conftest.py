"""Fault tests: a PostgreSQL server of the test module's own, stopped and started again on the same
port while services run against it (the session's shared server is never touched)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from shared.embedded_pg import EmbeddedPostgres, free_port
from shared.migration_state import upgrade
from shared.settings import Settings
from shared.testing.plugin import JWT_SECRET
from tests.helpers import SMALL_BUREAU_ORG, seed_org_units


@dataclass
class FaultyPostgres:
    server: EmbeddedPostgres

    def url(self, database: str) -> str:
        return self.server.url(database)

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.stop)  # the event loop (and the services on it) keep running

    async def start(self) -> float:
        """Start again; returns the time.monotonic() at which it accepts connections."""
        await asyncio.to_thread(self.server.start, tuned_for_tests=True)
        return time.monotonic()

    async def outage(self, seconds: float) -> float:
        await self.stop()
        await asyncio.sleep(seconds)
        return await self.start()


@pytest.fixture(scope="module")
def faulty_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("faulty-pg"), free_port())
    server.start(tuned_for_tests=True)
    try:
        yield FaultyPostgres(server)
    finally:
        server.destroy()


@pytest.fixture
async def faulty_database_url(faulty_pg: FaultyPostgres) -> AsyncIterator[str]:
    """A migrated database on the module's own server."""
    name = f"f_{uuid.uuid4().hex[:12]}"
    if not faulty_pg.server.running():
        await faulty_pg.start()
    conn = await asyncpg.connect(faulty_pg.url("postgres").replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    url = faulty_pg.url(name)
    await asyncio.to_thread(upgrade, url)
    await seed_org_units(url, SMALL_BUREAU_ORG)  # errors are refused for units that do not exist
    yield url


@pytest.fixture
def faulty_settings(faulty_database_url: str, tmp_path: Path) -> Settings:
    # Short back-off ceiling: recovery is measured in seconds, not in half-minutes.
    return Settings(database_url=faulty_database_url, jwt_secret=JWT_SECRET, data_dir=tmp_path, relay_idle_s=0.05,
                    consumer_retry_max_s=1.0, _env_file=None)
