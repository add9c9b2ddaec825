"""Field types every API shares: org-unit codes, billing periods, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.patterns import PERIOD_PATTERN, UNIT_CODE_PATTERN

UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN, max_length=64,
                                description="Org-unit code, e.g. QY-QC-01", examples=["QY-QC-01"])]
Period = Annotated[str, Field(pattern=PERIOD_PATTERN, description="Month YYYY-MM",
                              examples=["2026-10"])]
Yuan = Annotated[Decimal, Field(max_digits=14, decimal_places=2, description="Yuan, two decimals at most")]
