"""`m2c audit calendar-load` and `m2c audit sla-scan` against a real database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from services.audit_link.entrypoints.cli import app
from shared.settings import Settings


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("M2C_DATABASE_URL", settings.required_database_url())
    monkeypatch.setenv("M2C_JWT_SECRET", settings.resolved_jwt_secret())
    monkeypatch.setenv("M2C_DATA_DIR", str(tmp_path))
    return settings


async def _stored_2028(settings: Settings) -> tuple[list[tuple], str]:
    conn = await asyncpg.connect(settings.required_database_url().replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT day::text, kind FROM audit_calendar_days WHERE year = 2028 ORDER BY day")
        source = await conn.fetchval("SELECT source FROM audit_calendar_years WHERE year = 2028")
        return [tuple(r) for r in rows], source
    finally:
        await conn.close()


def test_calendar_load_and_sla_scan(env: Settings, tmp_path: Path) -> None:
    schedule = tmp_path / "2028.json"
    schedule.write_text(json.dumps({"source": "通知 2028", "holidays": ["2028-01-03", {"date": "2028-10-02",
                                    "name": "国庆节"}], "workdays": [{"date": "2028-01-08", "name": "调休"}]}))
    runner = CliRunner()
    result = runner.invoke(app, ["calendar-load", "2028", str(schedule)])
    assert result.exit_code == 0, result.output
    assert "2 holidays, 1 make-up" in result.output
    assert "0 pending ticket deadline(s) computed" in result.output
    rows, source = asyncio.run(_stored_2028(env))
    assert rows == [("2028-01-03", "holiday"), ("2028-01-08", "workday"), ("2028-10-02", "holiday")]
    assert source == "通知 2028"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"holidays": [], "workdays": ["2028-01-05"]}))
    assert runner.invoke(app, ["calendar-load", "2028", str(bad)]).exit_code != 0

    scan = runner.invoke(app, ["sla-scan"])
    assert scan.exit_code == 0, scan.output
    assert json.loads(scan.output) == {"escalated": 0, "breaches": 0, "postponed": 0}
