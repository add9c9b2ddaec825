"""alerts' own settings (M2C_ALERTS_* environment variables); built by bootstrap, never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="M2C_ALERTS_", extra="ignore")

    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="Webhook host allow-list (JSON list; '.example.com' allows subdomains). "
                                          "Empty: any host.")
    retry_base_s: float = Field(1.0, description="First retry pause of a failed webhook delivery.")
    retry_cap_s: float = Field(300.0, description="Longest pause between webhook retries.")
    max_attempts: int = Field(20, description="Webhook attempts before a delivery is marked failed.")
    timeout_s: float = Field(5.0, description="Timeout of one webhook POST.")
    poll_s: float = Field(0.2, description="Delivery worker pause when nothing is due.")
    batch_size: int = Field(200, description="Deliveries one worker claims per round.")
    lease_s: float = Field(60.0, description="How long a claimed delivery is reserved for its worker.")
