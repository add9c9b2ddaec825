"""One Alembic history: empty → head → base, and the table models agree with it."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from migrations.models import target_metadata
from shared.migration_state import downgrade, head_revision, upgrade


async def _inspect(url: str, fn):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _tables(conn) -> set[str]:
    return set(inspect(conn).get_table_names())


def _version(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def test_upgrade_empty_database_to_head_and_back_to_base(empty_database_url: str) -> None:
    assert await _inspect(empty_database_url, _tables) == set()

    await asyncio.to_thread(upgrade, empty_database_url)
    assert await _inspect(empty_database_url, _version) == head_revision()
    assert {"m2c_outbox", "m2c_inbox", "audit_errors", "alerts_alerts"} <= await _inspect(empty_database_url, _tables)

    await asyncio.to_thread(downgrade, empty_database_url, "base")
    assert await _inspect(empty_database_url, _tables) == {"alembic_version"}
    assert await _inspect(empty_database_url, _version) is None


async def test_models_match_the_migrated_schema(database_url: str) -> None:
    def diff(conn):
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(ctx, target_metadata())

    assert await _inspect(database_url, diff) == []
