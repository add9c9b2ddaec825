"""scoring's own settings (M2C_SCORING_* environment variables); built by bootstrap, never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScoringSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="M2C_SCORING_", extra="ignore")

    rescore_delay_s: float = Field(
        60.0, ge=0, description="How long a scored period waits after the first late error before it is "
                                "scored again (errors in that time make one new revision).")
    rescore_interval_s: float = Field(5.0, gt=0, description="How often the re-scorer looks for due periods.")
