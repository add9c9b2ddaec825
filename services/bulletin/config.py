"""The bulletin's own settings (M2C_BULLETIN_*): where the services it reads are, in production."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BulletinSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="M2C_BULLETIN_", extra="ignore")

    scoring_url: str | None = Field(None, description="Base URL of scoring. Unset: the app the bulletin runs in.")
    audit_link_url: str | None = Field(None, description="Base URL of audit_link. Unset: the same app.")
    alerts_url: str | None = Field(None, description="Base URL of alerts. Unset: the same app.")
    bill_review_url: str | None = Field(None, description="Base URL of bill_review. Unset: the same app.")
    timeout_s: float = Field(30.0, description="Timeout of one request to a service.")
    concurrency: int = Field(8, ge=1, le=64, description="Parallel requests for per-station explanations.")
    recovery_target: float = Field(0.9999, gt=0, le=1, description="Headline recovery-rate target (99.99 %).")
    top_losses: int = Field(20, ge=1, le=500, description="Largest point losses listed.")
    top_alerts: int = Field(10, ge=1, le=500, description="Alerts listed.")
