"""`m2c import / score / report` (scoring's typer app) against a real database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from services.scoring.entrypoints.cli import app
from shared.testing.plugin import JWT_SECRET
from tests.integration.scoring.test_raw_records import READINGS


async def _seed(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "INSERT INTO scoring_org_units (code, name, level, parent, updated_at) VALUES "
            "('QY', '清远', 'city', NULL, now()), ('QY-QC', '清城', 'county', 'QY', now()),"
            "('QY-QC-01', '石角', 'station', 'QY-QC', now()), ('QY-QC-02', '龙塘', 'station', 'QY-QC', now())")
    finally:
        await conn.close()


def test_import_score_report(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_seed(database_url))
    monkeypatch.setenv("M2C_DATABASE_URL", database_url)
    monkeypatch.setenv("M2C_JWT_SECRET", JWT_SECRET)
    runner = CliRunner()
    good = tmp_path / "readings.csv"
    good.write_text(READINGS)
    result = runner.invoke(app, ["import", "readings", str(good), "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counters"]["readings_planned"] == 6

    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"unit": "QY-QC-01", "bill_id": "b1", "issued_on": "2026-09-30"}\n')
    result = runner.invoke(app, ["import", "bills", str(bad), "--period", "2026-10"])
    assert result.exit_code == 2 and "outside the period" in result.output

    # only readings were imported: the stations lack bills_issued and recon_due (issue 10)
    result = runner.invoke(app, ["score", "2026-10"])
    assert result.exit_code == 2 and "bills_issued" in result.output
    result = runner.invoke(app, ["score", "2026-10", "--allow-incomplete"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision"] == 1
    out = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["report", "2026-10", "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "供电所排名" in load_workbook(out).sheetnames
