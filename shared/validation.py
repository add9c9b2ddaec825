"""Field types every API shares: org-unit codes, billing periods, money, text, 64-bit integers, moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

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


# The API's one time convention (README, "Times"): every moment it returns is RFC 3339 with the
# Asia/Shanghai offset, e.g. 2026-11-20T10:00:00+08:00 — the product is Chinese-first and working-day
# deadlines fall at local midnight, so a moment reads the same in the JSON as on the page. Requests may
# give any offset (or Z). Dates (YYYY-MM-DD) and periods (YYYY-MM) are not moments and stay as they are.
TIME_CONVENTION = ("RFC 3339 at +08:00 (Asia/Shanghai, China Standard Time), e.g. 2026-11-20T10:00:00+08:00 "
                   "(requests: any offset)")


# China Standard Time as a fixed offset: Asia/Shanghai's zone data would give +08:05:43 before 1901 and
# +09:00 in the summers of 1986–1991, which is neither the convention nor valid RFC 3339 (seconds).
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def api_time(moment: datetime) -> str:
    """`moment` as the API returns it (a naive value is a UTC one: PostgreSQL's `timestamp` columns)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        return aware.astimezone(CHINA_STANDARD_TIME).isoformat()
    except OverflowError:  # within 8 hours of year 9999's end: no +08:00 form exists, keep the given one
        return aware.isoformat()


Timestamp = Annotated[datetime, PlainSerializer(api_time, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time",
                                      "description": f"A moment: {TIME_CONVENTION}",
                                      "examples": ["2026-11-20T10:00:00+08:00"]})]
