"""Runtime configuration, read from `M2C_*` environment variables."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MissingSecret(RuntimeError):
    pass


def default_data_dir() -> Path:
    """`.data` of the m2c checkout the command runs in — from any of its subdirectories — else ./.data,
    so `m2c …` finds the server and secret of a running `make run` wherever in the repo it is typed."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / ".data").is_dir() or _is_m2c_checkout(folder):
            return folder / ".data"
    return Path(".data")


def _is_m2c_checkout(folder: Path) -> bool:
    try:
        return 'name = "m2c"' in (folder / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="M2C_", extra="ignore")

    database_url: str | None = Field(
        None, description="PostgreSQL URL (postgresql+asyncpg://…). Unset: embedded PostgreSQL under data_dir."
    )
    kafka_bootstrap: str | None = Field(
        None, description="Kafka bootstrap servers. Unset: events travel in-process (embedded mode)."
    )
    host: str = Field("127.0.0.1", description="HTTP listen address.")
    port: int = Field(8000, description="HTTP listen port.")
    data_dir: Path = Field(default_factory=default_data_dir,
                           description="Embedded PostgreSQL and the dev JWT secret (default: the checkout's .data)")
    jwt_secret: str | None = Field(
        None, description="HMAC secret for bearer tokens. Required with Kafka; embedded mode keeps one in data_dir."
    )
    jwt_ttl_s: int = Field(30 * 24 * 3600, description="Lifetime of tokens minted by `m2c token create`.")
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    topic_prefix: str = Field("", description="Prefix for every Kafka topic name (isolates environments).")
    kafka_partitions: int = Field(3, description="Partitions of topics m2c creates.")
    relay_batch_size: int = Field(500, description="Outbox rows one relay claims per round.")
    relay_idle_s: float = Field(0.2, description="Relay pause when the outbox is empty.")
    outbox_retention_h: float = Field(168.0, description="Hours a published outbox row is kept.")
    consumer_max_attempts: int = Field(3, description="Handler attempts before a message goes to the DLQ.")
    consumer_retry_base_s: float = Field(
        0.2, description="First pause of a consumer waiting out a transient failure (database or broker away).")
    consumer_retry_max_s: float = Field(30.0, description="Longest such pause (the pauses double up to it).")
    dlq_measure_s: float = Field(30.0, description="How often the relay measures the DLQ for its gauges.")
    http_max_in_flight: int = Field(
        64, description="HTTP requests one process works on at once; more are answered 503 (0: no limit).")
    http_request_timeout_s: float = Field(
        30.0, description="Requests without a response this long after their body arrived: 503 (0: no timeout).")
    http_retry_after_s: int = Field(5, description="Retry-After of 503 answers while the database is away.")
    metrics_port: int = Field(9100, description="Port of /metrics for `m2c relay` (no HTTP API of its own).")
    http_max_body_bytes: int = Field(1024 * 1024, gt=0, description="Largest JSON request body (413 beyond).")
    http_max_import_bytes: int = Field(
        256 * 1024 * 1024, gt=0,
        description="Largest body of an import (a CSV/NDJSON file, or a JSON batch of thousands of rows).")
    http_max_header_bytes: int = Field(16 * 1024, gt=0, description="Largest total size of request headers (431).")
    import_max_line_bytes: int = Field(
        64 * 1024, gt=0, description="Longest line (a CSV record, quoted line breaks included) of an imported file.")

    @property
    def kafka_mode(self) -> bool:
        return bool(self.kafka_bootstrap)

    def required_database_url(self) -> str:
        """The database URL, where a command needs one (after `database()` chose the embedded default)."""
        if self.database_url is None:
            raise RuntimeError("no database: M2C_DATABASE_URL is not set")
        return self.database_url

    def required_kafka_bootstrap(self) -> str:
        """The Kafka bootstrap servers, where only production mode makes sense (its tests, its tools)."""
        if not self.kafka_bootstrap:
            raise RuntimeError("no Kafka: M2C_KAFKA_BOOTSTRAP is not set")
        return self.kafka_bootstrap

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def resolved_jwt_secret(self, *, create: bool = True) -> str:
        """The configured secret, or (embedded mode only) one kept in data_dir across restarts.

        Only what serves requests creates it (`create`); a command that mints tokens for a server
        (`m2c token create`) must never make a second secret, or its tokens would all be refused.
        """
        if self.jwt_secret:
            return self.jwt_secret
        if self.kafka_mode:
            raise RuntimeError("M2C_JWT_SECRET must be set when M2C_KAFKA_BOOTSTRAP is set")
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            if not create:
                raise MissingSecret(f"no JWT secret in {self.data_dir.resolve()}: start `m2c run` (or make run) "
                                    "there first, run this inside the m2c checkout, or set M2C_JWT_SECRET")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
