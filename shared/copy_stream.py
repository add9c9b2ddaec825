"""An upload as the bytes PostgreSQL's COPY reads: a CSV file's header line read off (its columns may come
in any order), or NDJSON turned into CSV in a fixed column order. Nothing beyond one chunk is held.

Shared by every streamed import (scoring's raw records, bill review's bills); each names its own problems
through the `problem(row, column, message)` factory it passes in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence

OUT_CHUNK = 256 * 1024
MAX_HEADER = 64 * 1024
RowProblem = Callable[[int, str | None, str], Exception]


async def split_header(chunks: AsyncIterator[bytes]) -> tuple[bytes, AsyncIterator[bytes]]:
    """The header line (without its newline) and the stream after it."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if b"\n" in head or len(head) > MAX_HEADER:
            break
    line, _, rest = head.partition(b"\n")

    async def body() -> AsyncIterator[bytes]:
        if rest:
            yield rest
        async for chunk in chunks:
            yield chunk

    return line, body()


def header_columns(line: bytes) -> list[str]:
    """The column names of a CSV header line (a UTF-8 BOM allowed); UnicodeDecodeError when not UTF-8."""
    return [h.strip() for h in next(csv.reader([line.decode("utf-8-sig").strip()]), [])]


def copy_cell(value: object) -> object:
    """A JSON value as COPY's CSV reads it: booleans spelled out, null as the empty (NULL) cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} 不是 JSON 的数值")  # Python's reader would take NaN, Infinity


async def ndjson_as_csv(chunks: AsyncIterator[bytes], names: Sequence[str],
                        problem: RowProblem) -> AsyncIterator[bytes]:
    """Every record as a CSV row of `names`; a line that is not a JSON object, or has a field not in
    `names`, raises `problem(row, column, message)` (rows count from 1; blank lines are skipped)."""
    known = set(names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    row, pending = 0, b""

    def convert(line: bytes) -> None:
        nonlocal row
        row += 1
        try:
            record = json.loads(line, parse_constant=_not_json)
        except ValueError as exc:
            raise problem(row, None, f"不是 JSON 对象：{exc}") from exc
        if not isinstance(record, dict):
            raise problem(row, None, "不是 JSON 对象")
        if extra := sorted(set(record) - known):
            raise problem(row, extra[0], "未知字段")
        writer.writerow([copy_cell(record.get(n)) for n in names])

    async for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            if line.strip():
                convert(line)
        if out.tell() >= OUT_CHUNK:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if pending.strip():
        convert(pending)
    if out.tell():
        yield out.getvalue().encode()
