"""Wires identity: its settings and routes (no consumers: it reacts to no event)."""

from __future__ import annotations

from services.identity.config import IdentitySettings
from services.identity.entrypoints.http import build_routers
from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(name="identity", routers=build_routers(IdentitySettings()))
