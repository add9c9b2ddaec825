"""`m2c demo load` (the demo's typer app) against a real database: loads once, then leaves it be."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import asyncpg
import pytest
from typer.testing import CliRunner

from services.demo.cli import app
from shared.testing.plugin import JWT_SECRET


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def test_demo_load_fills_a_fresh_database_once(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_DATABASE_URL", database_url)
    monkeypatch.setenv("M2C_JWT_SECRET", JWT_SECRET)
    runner = CliRunner()
    args = ["load", "--seed", "3", "--customers", "50", "--size", "0.05", "--today", "2026-11-20"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "demo loaded in" in result.output
    assert asyncio.run(_count(database_url, "SELECT count(*) FROM scoring_org_units WHERE level = 'station'")) == 8
    assert asyncio.run(_count(database_url, "SELECT count(*) FROM alerts_credit_customers")) == 50

    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "has data already" in again.output
    assert asyncio.run(_count(database_url, "SELECT count(DISTINCT period) FROM scoring_score_runs")) == 12

    bad = runner.invoke(app, ["load", "--today", "20-11-2026"])
    assert bad.exit_code == 2 and "--today" in bad.output
    future = runner.invoke(app, ["load", "--today", str(date.today() + timedelta(days=40)), "--force"])
    assert future.exit_code == 2 and "must not be after today" in future.output
