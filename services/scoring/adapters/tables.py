"""scoring's tables (prefix scoring_)."""

from __future__ import annotations
