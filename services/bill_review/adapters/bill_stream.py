"""A bill file as a stream of CSV bytes for COPY: the CSV header read off (any column order), or
NDJSON converted line by line. Nothing is held in memory beyond one chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator

from services.bill_review.domain import bill_file
from services.bill_review.domain.errors import InvalidInput
from shared import copy_stream


def bad_row(row: int, column: str | None, message: str, header_lines: int) -> dict[str, object]:
    return {"field": f"rows[{row}]" + (f".{column}" if column else ""), "message": message, "row": row,
            "column": column, "line": row + header_lines}


def _header_problem(message: str) -> InvalidInput:
    return InvalidInput("账单文件无效", [{
        "field": "header", "message": f"{message}；必需列：{', '.join(bill_file.REQUIRED)}；"
        f"可选列：{', '.join(bill_file.OPTIONAL)}"}])


async def csv_body(chunks: AsyncIterator[bytes]) -> tuple[list[str], AsyncIterator[bytes]]:
    """Reads the header line off the stream; returns its columns and the rest of the stream."""
    line, body = await copy_stream.split_header(chunks)
    try:
        columns = copy_stream.header_columns(line)
    except UnicodeDecodeError as exc:
        raise _header_problem("表头不是 UTF-8 编码") from exc
    if not line.strip():
        raise _header_problem("没有表头行")
    unknown = [c for c in columns if c not in bill_file.BY_NAME]
    missing = [c for c in bill_file.REQUIRED if c not in columns]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if unknown or missing or twice:
        raise _header_problem("；".join(
            part for part in (f"未知列 {', '.join(unknown)}" if unknown else "",
                              f"缺少列 {', '.join(missing)}" if missing else "",
                              f"重复列 {', '.join(twice)}" if twice else "") if part))
    return columns, body


def ndjson_as_csv(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Every column in bill_file order; a line that is not a JSON object, or has an unknown field, fails."""
    return copy_stream.ndjson_as_csv(
        chunks, [c.name for c in bill_file.COLUMNS],
        lambda row, column, message: InvalidInput("账单文件无效", [bad_row(row, column, message, 0)]))
