"""Migration 0009 with data, both ways: open tickets left without a deadline get a pending one,
escalations gain the repeat in their key, errors count one bill by default."""

from __future__ import annotations

import asyncio

from shared.migration_state import downgrade, upgrade
from tests.integration.platform.test_migrations import _sql


async def test_0009_gives_waiting_tickets_a_pending_deadline_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0007")
    await _sql(url, """
        INSERT INTO audit_tickets (id, unit, reason, detail, state, raised_by, raised_at, due_at, version,
                                   deadline_seq, updated_at)
        VALUES ('00000000-0000-0000-0000-000000000001', 'QY-A', 'manual', 'x', 'coordinated', 'x',
                '2026-03-02T09:00+08', NULL, 2, 2, '2026-03-02T11:00+08'),
               ('00000000-0000-0000-0000-000000000002', 'QY-B', 'manual', 'x', 'reported', 'x',
                '2026-03-02T09:00+08', NULL, 5, 4, '2026-03-05T11:00+08'),
               ('00000000-0000-0000-0000-000000000003', 'QY-C', 'manual', 'x', 'closed', 'x',
                '2026-03-02T09:00+08', NULL, 6, 5, '2026-03-06T11:00+08')""")
    await _sql(url, """
        INSERT INTO audit_escalations (ticket_id, deadline_seq, level, state, due_at, escalated_at)
        VALUES ('00000000-0000-0000-0000-000000000001', 1, 1, 'issued', '2026-03-03T23:59:59+08',
                '2026-03-04T00:00+08')""")
    await _sql(url, """
        INSERT INTO audit_errors (id, unit, period, category, nature, amount, description, reporter, state,
                                  reported_at)
        VALUES ('00000000-0000-0000-0000-00000000000e', 'QY-A', '2026-02', 'tariff', 'clerical', 1, 'd', 'r',
                'reported', '2026-03-02T09:00+08')""")

    await asyncio.to_thread(upgrade, url, "0009")
    assert await _sql(url, "SELECT unit, due_pending_from = updated_at, due_pending_days FROM audit_tickets"
                           " ORDER BY unit") == [("QY-A", True, 1), ("QY-B", True, 5), ("QY-C", None, None)]
    assert await _sql(url, "SELECT level, repeat FROM audit_escalations") == [(1, 0)]
    assert await _sql(url, "SELECT bills_affected FROM audit_errors") == [(1,)]

    await asyncio.to_thread(downgrade, url, "0007")
    assert await _sql(url, "SELECT unit, due_at FROM audit_tickets ORDER BY unit") == [
        ("QY-A", None), ("QY-B", None), ("QY-C", None)]
    assert await _sql(url, "SELECT count(*) FROM audit_escalations") == [(1,)]
