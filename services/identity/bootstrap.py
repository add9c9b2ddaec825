"""Wires identity: its settings and routes (no consumers: it reacts to no event)."""

from __future__ import annotations

from services.identity.config import IdentitySettings
from services.identity.entrypoints.http import build_routers
from shared.http.app import ServiceParts


def build(settings: IdentitySettings | None = None) -> ServiceParts:
    """identity's routes; its settings (M2C_IDENTITY_*) are read here, once, unless given."""
    config = settings if settings is not None else IdentitySettings()
    return ServiceParts(name="identity", routers=build_routers(config))
