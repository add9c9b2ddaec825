"""A bill file as a stream of CSV bytes for COPY: the CSV header read off (any column order), or
NDJSON converted line by line. Nothing is held in memory beyond one chunk."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

from services.bill_review.domain import bill_file
from services.bill_review.domain.errors import InvalidInput

_CHUNK = 256 * 1024


def bad_row(row: int, column: str | None, message: str, header_lines: int) -> dict[str, object]:
    return {"field": f"rows[{row}]" + (f".{column}" if column else ""), "message": message, "row": row,
            "column": column, "line": row + header_lines}


def _header_problem(message: str) -> InvalidInput:
    return InvalidInput("Invalid bill file", [{
        "field": "header", "message": f"{message}; required: {', '.join(bill_file.REQUIRED)};"
        f" optional: {', '.join(bill_file.OPTIONAL)}"}])


async def csv_body(chunks: AsyncIterator[bytes]) -> tuple[list[str], AsyncIterator[bytes]]:
    """Reads the header line off the stream; returns its columns and the rest of the stream."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if b"\n" in head or len(head) > 64 * 1024:
            break
    line, _, rest = head.partition(b"\n")
    try:
        header = next(csv.reader([line.decode("utf-8-sig").strip()]), [])
    except UnicodeDecodeError as exc:
        raise _header_problem("the header is not UTF-8") from exc
    columns = [h.strip() for h in header]
    if not line.strip():
        raise _header_problem("no header row")
    unknown = [c for c in columns if c not in bill_file.BY_NAME]
    missing = [c for c in bill_file.REQUIRED if c not in columns]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if unknown or missing or twice:
        raise _header_problem("; ".join(
            part for part in (f"unknown {', '.join(unknown)}" if unknown else "",
                              f"missing {', '.join(missing)}" if missing else "",
                              f"repeated {', '.join(twice)}" if twice else "") if part))

    async def body() -> AsyncIterator[bytes]:
        if rest:
            yield rest
        async for chunk in chunks:
            yield chunk

    return columns, body()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


async def ndjson_as_csv(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Every column in bill_file order; a line that is not a JSON object, or has an unknown field, fails."""
    names = [c.name for c in bill_file.COLUMNS]
    known = set(names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    row, pending = 0, b""

    def convert(line: bytes) -> None:
        nonlocal row
        row += 1
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InvalidInput("Invalid bill file", [bad_row(row, None, f"not a JSON object: {exc}", 0)]) from exc
        if not isinstance(record, dict):
            raise InvalidInput("Invalid bill file", [bad_row(row, None, "not a JSON object", 0)])
        if extra := sorted(set(record) - known):
            raise InvalidInput("Invalid bill file", [bad_row(row, extra[0], "unknown field", 0)])
        writer.writerow([_cell(record.get(n)) for n in names])

    async for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            if line.strip():
                convert(line)
        if out.tell() >= _CHUNK:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if pending.strip():
        convert(pending)
    if out.tell():
        yield out.getvalue().encode()
