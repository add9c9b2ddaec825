"""Field types the event models share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.patterns import PERIOD_PATTERN

Period = Annotated[str, Field(pattern=PERIOD_PATTERN, description="Month YYYY-MM")]
UnitCode = Annotated[str, Field(min_length=1, max_length=64, description="Org-unit code, e.g. QY-QC-01")]
Light = Literal["red", "yellow", "green"]
Severity = Literal["info", "warning", "critical"]
