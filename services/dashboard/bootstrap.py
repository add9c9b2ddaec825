"""What the dashboard hands to the app: its page and static-asset routes (no consumers, no workers)."""

from __future__ import annotations

from services.dashboard.http import build_router
from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(name="dashboard", routers=[build_router()])
