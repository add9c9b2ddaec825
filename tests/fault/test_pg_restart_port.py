"""`m2c pg stop && m2c pg start` brings the embedded server back on the port it had."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli import app
from shared.embedded_pg import EmbeddedPostgres


def test_the_embedded_server_restarts_on_its_port(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"M2C_DATA_DIR": str(tmp_path)}
    try:
        first = runner.invoke(app, ["pg", "start"], env=env)
        assert first.exit_code == 0, first.output
        url = first.stdout.strip()
        assert runner.invoke(app, ["pg", "start"], env=env).stdout.strip() == url  # already running
        assert runner.invoke(app, ["pg", "stop"], env=env).exit_code == 0
        pg = EmbeddedPostgres.at(tmp_path.resolve() / "pg")
        assert not pg.running() and pg.url() == url
        again = runner.invoke(app, ["pg", "start"], env=env)
        assert again.exit_code == 0, again.output
        assert again.stdout.strip() == url
        assert pg.running()
    finally:
        EmbeddedPostgres.at(tmp_path.resolve() / "pg").stop()
