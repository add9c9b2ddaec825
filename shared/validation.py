"""Field types every API shares: org-unit codes, billing periods, money, text, 64-bit integers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.patterns import PERIOD_PATTERN, UNIT_CODE_PATTERN

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # PostgreSQL bigint: the widest integer any table stores
NO_NUL_PATTERN = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL

UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN, max_length=64,
                                description="Org-unit code, e.g. QY-QC-01", examples=["QY-QC-01"])]
Period = Annotated[str, Field(pattern=PERIOD_PATTERN, description="Month YYYY-MM",
                              examples=["2026-10"])]
Yuan = Annotated[Decimal, Field(max_digits=14, decimal_places=2, description="Yuan, two decimals at most")]
# The edge (shared/http/input_guard.py) already refuses NUL and out-of-range integers in every request;
# these types say the same in a schema, so the OpenAPI tells it too.
Text = Annotated[str, Field(pattern=NO_NUL_PATTERN)]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
