"""Wires the bulletin: one router, no consumers (it only reads the other services' APIs)."""

from __future__ import annotations

from services.bulletin.config import BulletinSettings
from services.bulletin.http import make_router
from shared.http.app import ServiceParts


def build(settings: BulletinSettings | None = None) -> ServiceParts:
    return ServiceParts(name="bulletin", routers=[make_router(settings or BulletinSettings())])
