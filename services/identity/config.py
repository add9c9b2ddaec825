"""identity's settings (M2C_IDENTITY_*), built once by its bootstrap."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="M2C_IDENTITY_", extra="ignore")

    session_ttl_s: int = Field(12 * 3600, description="How long a sign-in lasts (a working day and a half).")
    max_failures_per_account: int = Field(5, description="Failed sign-ins of one account within the window.")
    max_failures_per_address: int = Field(20, description="Failed sign-ins from one address within the window.")
    failure_window_s: int = Field(900, description="The window (seconds) failed sign-ins are counted in.")
