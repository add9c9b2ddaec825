"""Wires audit_link: its routes and (later) its consumers."""

from __future__ import annotations

from services.audit_link.entrypoints.http import router
from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(name="audit-link", routers=[router])
