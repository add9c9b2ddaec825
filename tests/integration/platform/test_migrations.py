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
    """fn(sync connection) in one committed transaction."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
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


async def _sql(url: str, sql: str) -> list[tuple]:
    def run(conn):
        result = conn.exec_driver_sql(sql)
        return [tuple(r) for r in result] if result.returns_rows else []

    return await _inspect(url, run)


async def test_0005_moves_running_slas_out_of_the_tickets_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0004")
    await _sql(url, """
        INSERT INTO audit_tickets (id, unit, reason, detail, state, raised_by, raised_at, due_at, version,
                                   deadline_seq, escalation_level, next_escalation_at)
        VALUES ('00000000-0000-0000-0000-000000000001', 'QY-A', 'manual', 'late', 'issued', 'x',
                '2026-03-02T09:00+08', '2026-03-03T23:59:59+08', 1, 2, 1, '2026-03-04T23:59:59+08'),
               ('00000000-0000-0000-0000-000000000002', 'QY-B', 'manual', 'done', 'reported', 'x',
                '2026-03-02T09:00+08', NULL, 3, 3, 0, NULL)""")

    await asyncio.to_thread(upgrade, url, "0005")
    assert await _sql(url, "SELECT t.unit, s.deadline_seq, s.escalation_level, s.next_escalation_at = s.due_at"
                           " + interval '1 day' FROM audit_ticket_sla s JOIN audit_tickets t ON t.seq = s.ticket_seq"
                      ) == [("QY-A", 2, 1, True)]

    await asyncio.to_thread(downgrade, url, "0004")
    assert await _sql(url, "SELECT unit, escalation_level, next_escalation_at IS NOT NULL FROM audit_tickets"
                           " ORDER BY unit") == [("QY-A", 1, True), ("QY-B", 0, False)]
