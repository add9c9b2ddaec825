from __future__ import annotations

from pathlib import Path

import pytest

from shared.db import async_url
from shared.settings import Settings


def test_environment_configures_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_KAFKA_BOOTSTRAP", "k1:9092")
    monkeypatch.setenv("M2C_TOPIC_PREFIX", "staging.")
    monkeypatch.setenv("M2C_PORT", "9000")
    s = Settings()
    assert s.kafka_mode and s.port == 9000 and s.topic("m2c.audit.v1") == "staging.m2c.audit.v1"


def test_kafka_mode_demands_a_jwt_secret(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="M2C_JWT_SECRET"):
        Settings(kafka_bootstrap="k:9092", data_dir=tmp_path, jwt_secret=None).resolved_jwt_secret()


def test_embedded_mode_keeps_its_secret_across_restarts(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, jwt_secret=None, kafka_bootstrap=None).resolved_jwt_secret()
    again = Settings(data_dir=tmp_path, jwt_secret=None, kafka_bootstrap=None).resolved_jwt_secret()
    assert first == again and len(first) > 30
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


def test_plain_postgres_urls_are_accepted() -> None:
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"
