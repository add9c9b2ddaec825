"""Path and query types of scoring's routes (failures become problem+json in shared/http/problems.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from shared.patterns import PERIOD_PATTERN

PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="Month YYYY-MM")]
PeriodQuery = Annotated[str, Query(pattern=PERIOD_PATTERN, description="Month YYYY-MM")]
