"""Wires bill_review: its routes (it consumes no events yet)."""

from __future__ import annotations

from services.bill_review.entrypoints import config_http, http
from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(name="bill-review", routers=[config_http.router, http.router])
