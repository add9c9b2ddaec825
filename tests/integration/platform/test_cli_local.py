"""`m2c` typed anywhere in the checkout finds the running embedded server and its secret, and never
makes a second secret (a token signed with one would be refused by the server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli_database import NoDatabase, settings_with_database
from shared.settings import Settings, default_data_dir


def test_the_data_dir_is_the_checkouts_from_any_subdirectory(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "m2c"\n')
    deep = tmp_path / "services" / "scoring"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert default_data_dir() == tmp_path / ".data"
    monkeypatch.delenv("M2C_DATA_DIR", raising=False)
    assert Settings(_env_file=None).data_dir == tmp_path / ".data"

    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert default_data_dir() == Path(".data")  # outside any checkout: the old relative default


def test_token_create_without_the_servers_secret_refuses_instead_of_minting_a_useless_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.cli import app

    monkeypatch.setenv("M2C_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("M2C_JWT_SECRET", raising=False)
    result = CliRunner().invoke(app, ["token", "create", "--role", "admin"])
    assert result.exit_code == 2 and "no JWT secret" in result.output
    assert not (tmp_path / "jwt-secret").exists()

    (tmp_path / "jwt-secret").write_text("the-servers-own-secret-0123456789")
    made = CliRunner().invoke(app, ["token", "create", "--role", "admin"])
    assert made.exit_code == 0 and made.stdout.count(".") == 2  # a JWT, signed with the server's secret


def test_commands_without_a_running_server_say_how_to_get_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None, _env_file=None)
    with pytest.raises(NoDatabase, match="make run"):
        settings_with_database(settings)
    assert settings_with_database(settings, required=False).database_url is None
