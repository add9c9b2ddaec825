"""Pytest fixtures over real servers: an embedded PostgreSQL (a fresh migrated database per test)
and a real Kafka broker (started on first use; each test gets its own topic prefix).

M2C_TEST_DATABASE_URL / M2C_TEST_KAFKA_BOOTSTRAP reuse servers that are already running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from shared.auth import create_token
from shared.db import async_url
from shared.embedded_pg import EmbeddedPostgres, free_port
from shared.migration_state import upgrade
from shared.settings import Settings
from shared.testing.kafka_broker import KafkaBroker

TEMPLATE_DB = "m2c_template"
JWT_SECRET = "test-secret-not-for-production-0123456789"


def _dsn(url: str, database: str) -> str:
    base = async_url(url).replace("postgresql+asyncpg://", "postgresql://")
    return base.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("M2C_TEST_DATABASE_URL"):
        yield os.environ["M2C_TEST_DATABASE_URL"]
        return
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("pg"), free_port())
    url = pg.start(tuned_for_tests=True)
    try:
        yield url
    finally:
        pg.destroy()


async def _admin(pg_server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(pg_server_url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> str:
    """A database migrated to head once; each test copies it (CREATE DATABASE … TEMPLATE)."""
    asyncio.run(_admin(pg_server_url, f"DROP DATABASE IF EXISTS {TEMPLATE_DB}"))
    asyncio.run(_admin(pg_server_url, f"CREATE DATABASE {TEMPLATE_DB}"))
    upgrade(_dsn(pg_server_url, TEMPLATE_DB))
    return TEMPLATE_DB


@pytest.fixture
async def empty_database_url(pg_server_url: str) -> AsyncIterator[str]:
    """A fresh database with no schema at all."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _admin(pg_server_url, f"CREATE DATABASE {name}")
    yield async_url(_dsn(pg_server_url, name))
    await _admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.asynccontextmanager
async def fresh_database(pg_server_url: str, template_db: str) -> AsyncIterator[str]:
    """A new database copied from the template (at the migration head), dropped on leaving."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _admin(pg_server_url, f"CREATE DATABASE {name} TEMPLATE {template_db}")
    try:
        yield async_url(_dsn(pg_server_url, name))
    finally:
        await _admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def database_url(pg_server_url: str, template_db: str) -> AsyncIterator[str]:
    """A fresh database at the migration head, dropped after the test."""
    async with fresh_database(pg_server_url, template_db) as url:
        yield url


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("M2C_TEST_KAFKA_BOOTSTRAP"):
        yield os.environ["M2C_TEST_KAFKA_BOOTSTRAP"]
        return
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker.start()
    finally:
        broker.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Embedded-mode settings (in-process events) over this test's database."""
    return Settings(database_url=database_url, jwt_secret=JWT_SECRET, data_dir=tmp_path, relay_idle_s=0.05,
                    _env_file=None)


@pytest.fixture
def kafka_settings(settings: Settings, kafka_bootstrap: str) -> Settings:
    """Production-mode settings: real Kafka, topics under a prefix of this test's own."""
    return settings.model_copy(update={
        "kafka_bootstrap": kafka_bootstrap, "topic_prefix": f"t{uuid.uuid4().hex[:8]}.",
        "kafka_partitions": 1,
    })


def token(*roles: str, units: tuple[str, ...] = (), subject: str = "tester") -> dict[str, str]:
    """Authorization headers for a test caller."""
    return {"Authorization": f"Bearer {create_token(JWT_SECRET, roles, units=units, subject=subject)}"}
