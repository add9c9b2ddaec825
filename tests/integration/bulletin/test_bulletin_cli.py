"""`m2c report PERIOD --format html|pdf|xlsx`: the embedded system built in-process, read over ASGI."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from services.embedded import build_app
from services.report_cli import report
from shared.settings import Settings
from shared.testing.plugin import JWT_SECRET
from tests.helpers import embedded_client
from tests.integration.bulletin.conftest import ADMIN, GOOD, ORG, PERFECT, PERIOD


async def _seed(settings: Settings) -> None:
    async with embedded_client(settings) as c:
        assert (await c.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN)).status_code == 200
        r = await c.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={"batch_id": "oct", "rows": [
            {"unit": "QY-QC-01", "counters": GOOD}, {"unit": "QY-YD-01", "counters": PERFECT}]})
        assert r.status_code == 200, r.text
        assert (await c.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"},
                             headers=ADMIN)).status_code == 201  # QY-QC-02 sent no facts


def test_report_command_writes_each_format(settings: Settings, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_seed(settings))
    monkeypatch.setenv("M2C_DATABASE_URL", settings.required_database_url())
    monkeypatch.setenv("M2C_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("M2C_DATA_DIR", str(tmp_path))
    app = typer.Typer()
    app.command()(report)
    runner = CliRunner()

    out = tmp_path / "b.xlsx"
    result = runner.invoke(app, [PERIOD, "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(io.BytesIO(out.read_bytes()))["供电所排名"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4]) for r in rows] == [(1, "QY-YD-01", 100.0), (2, "QY-QC-01", 75.0),
                                                (None, "QY-QC-02", "无数据")]  # no counters: no score

    out = tmp_path / "b.html"
    result = runner.invoke(app, [PERIOD, "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "石角供电所" in out.read_text() and "<td class=\"score\">75.00</td>" in out.read_text()

    result = runner.invoke(app, [PERIOD, "--format", "docx"])
    assert result.exit_code == 2 and "--format" in result.output
    result = runner.invoke(app, ["2026-13"])
    assert result.exit_code == 2 and "PERIOD" in result.output


def test_report_command_reads_a_running_server(settings: Settings, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import uvicorn

    from shared.embedded_pg import free_port

    asyncio.run(_seed(settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build_app(settings), host="127.0.0.1", port=port, log_config=None,
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        monkeypatch.setenv("M2C_JWT_SECRET", JWT_SECRET)
        monkeypatch.delenv("M2C_DATABASE_URL", raising=False)
        monkeypatch.setenv("M2C_DATA_DIR", str(tmp_path))  # no database here: everything comes over HTTP
        app = typer.Typer()
        app.command()(report)
        out = tmp_path / "remote.html"
        result = CliRunner().invoke(app, [PERIOD, "-f", "html", "-o", str(out), "--base-url", f"http://127.0.0.1:{port}"])
        assert result.exit_code == 0, result.output
        assert "<td class=\"score\">100.00</td>" in out.read_text() and "英城供电所" in out.read_text()
    finally:
        server.should_exit = True
        thread.join(timeout=20)
