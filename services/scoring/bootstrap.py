"""Wires scoring. Its API and consumers arrive with the scoring issue; the process already runs."""

from __future__ import annotations

from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(name="scoring")
