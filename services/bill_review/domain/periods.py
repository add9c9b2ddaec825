"""Billing months (YYYY-MM)."""

from __future__ import annotations


def previous(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
