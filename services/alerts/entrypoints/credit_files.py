"""Bulk CSV files of customers, bills and payments: streamed, validated row by row."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.http.problems import Problem
from shared.validation import Period, UnitCode, Yuan


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRow(_Row):
    customer_no: str = Field(min_length=1, max_length=64)
    unit: UnitCode
    large: bool = False
    theft_on: date | None = None
    illegal_use_on: date | None = None
    old_arrears_no_agreement: bool = False


class BillRow(_Row):
    customer_no: str = Field(min_length=1, max_length=64)
    unit: UnitCode
    period: Period
    amount_due: Yuan = Field(ge=Decimal(0))
    due_date: date


class PaymentRow(_Row):
    payment_id: str = Field(min_length=1, max_length=128)
    customer_no: str = Field(min_length=1, max_length=64)
    unit: UnitCode
    period: Period
    amount: Yuan
    paid_at: datetime
    channel: str | None = None


KINDS: dict[str, type[_Row]] = {"customers": CustomerRow, "bills": BillRow, "payments": PaymentRow}


def _bad(row: int, field: str, message: str) -> Problem:
    return Problem(422, "Invalid file", f"row {row}: {field}: {message}",
                   errors=[{"field": f"row {row}.{field}", "row": row, "message": message}])


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    pending = ""
    decoder = io.IncrementalNewlineDecoder(None, translate=True)
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    async for chunk in chunks:
        try:
            pending += decoder.decode(utf8.decode(chunk))
        except UnicodeDecodeError as exc:
            raise Problem(422, "Invalid file", f"not UTF-8: {exc}",
                          errors=[{"field": "body", "message": "the file must be UTF-8 CSV"}]) from exc
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line
    pending += decoder.decode(utf8.decode(b"", final=True), final=True)
    if pending:
        yield pending


async def parse(kind: str, chunks: AsyncIterator[bytes], batch: int = 5000) -> AsyncIterator[list[dict[str, Any]]]:
    """Batches of validated rows; the first bad row raises a 422 naming its row number and field
    (row 1 is the header)."""
    model = KINDS[kind]
    header: list[str] | None = None
    out: list[dict[str, Any]] = []
    number = 0
    async for line in _lines(chunks):
        number += 1
        if not line.strip():
            continue
        [values] = list(csv.reader([line]))
        if header is None:
            header = [h.strip() for h in values]
            missing = [f for f, info in model.model_fields.items() if info.is_required() and f not in header]
            unknown = [h for h in header if h not in model.model_fields]
            if missing or unknown:
                raise _bad(1, (missing or unknown)[0], "missing column" if missing else "unknown column")
            continue
        if len(values) != len(header):
            raise _bad(number, "row", f"{len(values)} values for {len(header)} columns")
        raw = {h: (v if v.strip() != "" else None) for h, v in zip(header, values, strict=True)}
        raw = {k: v for k, v in raw.items() if v is not None}
        try:
            out.append(model.model_validate(raw).model_dump())
        except ValidationError as exc:
            e = exc.errors()[0]
            raise _bad(number, ".".join(map(str, e["loc"])) or "row", e["msg"]) from exc
        if len(out) >= batch:
            yield out
            out = []
    if header is None:
        raise _bad(1, "header", "the file is empty")
    if out:
        yield out
