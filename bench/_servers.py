"""Servers and scratch databases for the benchmarks.

`bench_servers()` yields a PostgreSQL server URL and a Kafka bootstrap address: an embedded
PostgreSQL (durable: fsync and synchronous commit stay on) and a real single-node Kafka broker,
both under a temporary directory, or the servers named by M2C_BENCH_DATABASE_URL /
M2C_BENCH_KAFKA_BOOTSTRAP. Servers it started are stopped on the way out, also on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from shared.db import async_url
from shared.embedded_pg import EmbeddedPostgres, free_port
from shared.migration_state import upgrade
from shared.testing.kafka_broker import KafkaBroker

DATABASE_ENV = "M2C_BENCH_DATABASE_URL"
KAFKA_ENV = "M2C_BENCH_KAFKA_BOOTSTRAP"


@dataclass(frozen=True)
class Servers:
    database_url: str  # any database on the server; scratch databases are created next to it
    kafka_bootstrap: str
    pg_origin: str  # "embedded" or "$M2C_BENCH_DATABASE_URL"
    kafka_origin: str


def dsn(url: str, database: str | None = None) -> str:
    """A plain postgresql:// DSN for `database` (default: the URL's own) on the server of `url`."""
    base, own = async_url(url).replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)
    return f"{base}/{database or own}"


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def postgres_server(prefix: str) -> Iterator[str]:
    """A PostgreSQL server URL: $M2C_BENCH_DATABASE_URL, or a durable embedded server of our own."""
    reused = os.environ.get(DATABASE_ENV)
    if reused:
        yield reused
        return
    with tempfile.TemporaryDirectory(prefix=f"m2c-bench-{prefix}-") as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", free_port())
        try:
            yield pg.start(tuned_for_tests=False)
        finally:
            with _sigint_ignored():
                pg.stop()


@contextmanager
def bench_servers() -> Iterator[Servers]:
    reused_pg, reused_kafka = os.environ.get(DATABASE_ENV), os.environ.get(KAFKA_ENV)
    with tempfile.TemporaryDirectory(prefix="m2c-bench-backbone-") as tmp:
        pg = None if reused_pg else EmbeddedPostgres(Path(tmp) / "pg", free_port())
        broker = None if reused_kafka else KafkaBroker(Path(tmp) / "kafka")
        try:
            database_url = pg.start(tuned_for_tests=False) if pg else str(reused_pg)
            kafka_bootstrap = broker.start() if broker else str(reused_kafka)
            yield Servers(database_url, kafka_bootstrap,
                          f"${DATABASE_ENV}" if reused_pg else "embedded",
                          f"${KAFKA_ENV}" if reused_kafka else "embedded")
        finally:
            # A second Ctrl-C must not leave a broker or a postmaster behind.
            with _sigint_ignored():
                if broker is not None:
                    broker.stop()
                if pg is not None:
                    pg.stop()


class ScratchDatabases:
    """A database migrated once, and fresh copies of it (CREATE DATABASE … TEMPLATE); drop_all() removes them."""

    def __init__(self, server_url: str):
        self._server_url = server_url
        self._tag = uuid.uuid4().hex[:8]
        self.template = f"m2c_bench_{self._tag}_template"
        self._created: list[str] = []

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(dsn(self._server_url, "postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create_template(self) -> None:
        """Synchronous: Alembic runs its own event loop, so call this outside one (or in a thread)."""
        asyncio.run(self._admin(f"CREATE DATABASE {self.template}"))
        self._created.append(self.template)
        upgrade(dsn(self._server_url, self.template))

    async def _create_from(self, source: str) -> str:
        # Copied file by file: the default strategy would write the whole copy into the WAL, and the
        # checkpoint that forces would land in the middle of the next timed run.
        name = f"m2c_bench_{self._tag}_{len(self._created)}"
        await self._admin(f"CREATE DATABASE {name} TEMPLATE {source} STRATEGY FILE_COPY")
        self._created.append(name)
        return async_url(dsn(self._server_url, name))

    async def fresh(self) -> str:
        """The async URL of a new database at the migration head."""
        return await self._create_from(self.template)

    async def copy(self, url: str) -> str:
        """The async URL of a new database copied from the one `url` names (no connections to it allowed)."""
        return await self._create_from(dsn(url).rsplit("/", 1)[1])

    async def drop(self, url: str) -> None:
        name = dsn(url).rsplit("/", 1)[1]
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._created.remove(name)

    async def drop_all(self) -> None:
        for name in reversed(self._created):
            await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._created.clear()


async def delete_topics(bootstrap: str, names: Sequence[str]) -> None:
    """Best effort: the benchmark's topics should not pile up on a reused broker."""
    if not names:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="m2c-bench-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def seed_org_units(url: str, units: Sequence[dict[str, str]]) -> None:
    """The org units a benchmark's writes name (scoring's table: every write checks its units)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.executemany(
            "INSERT INTO scoring_org_units (code, name, level, parent, area_type, updated_at)"
            " VALUES ($1, $2, $3, $4, 'urban', now()) ON CONFLICT (code) DO NOTHING",
            [(u["code"], u["name"], u["level"], u.get("parent")) for u in units])
    finally:
        await conn.close()
