"""The bulk path for raw records: stream a file into PostgreSQL with COPY and aggregate it set-based.

The body is never held in memory: CSV bytes go straight from the request (or file) into
`COPY … FROM STDIN` on a temporary staging table of typed columns (a malformed value fails the COPY
with its line number), NDJSON is converted line by line into CSV on the way. One GROUP BY then
yields the counters per unit together with the first row of an unknown unit or of a date outside
the period. All of it runs in the caller's transaction: any error leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.domain.errors import InvalidInput
from services.scoring.domain.raw_records import APPROVED_EXCEPTION_DAYS, LEDGER_OP_TYPES, LOCAL_TIMEZONE, RecordKind
from shared import copy_stream

STAGE = "scoring_stage"
AGG = "scoring_stage_agg"
_LINE = re.compile(r"line (\d+)(?:, column (\w+))?")
_NOT_BLANK = "_not_blank"

COUNTER_SQL: dict[str, dict[str, str]] = {
    "readings": {
        "readings_planned": "count(*)",
        "readings_done": "count(uploaded_at)",
        "uploads_overdue": "count(*) FILTER (WHERE uploaded_at::date > planned_day"
                           f" + CASE WHEN exception_approved THEN {APPROVED_EXCEPTION_DAYS} ELSE 0 END)",
        "one_stop_due": "count(*) FILTER (WHERE one_stop_due)",
        "one_stop_done": "count(*) FILTER (WHERE one_stop_due AND one_stop_done)",
    },
    "bills": {"bills_issued": "count(*)"},
    "reconciliations": {"recon_due": "count(*)", "recon_done": "count(*) FILTER (WHERE done_on <= due_on)"},
    "anomalies": {"anomalies_overdue": "count(*) FILTER (WHERE rectified_on IS NULL OR rectified_on > due_on)"},
    "ledger": {
        "receivable_rollbacks": "count(*) FILTER (WHERE op_type = 'receivable_rollback'"
                                " AND coalesce(bill_released, true))",
        "writeoffs_next_day": "count(*) FILTER (WHERE op_type = 'payment_reversal'"
                              " AND reversed_at::date > original_at::date)",
    },
}


@dataclass(frozen=True)
class IngestResult:
    rows: int
    units: int
    totals: dict[str, int]


def _bad_row(row: int, field: str | None, message: str, header_lines: int) -> InvalidInput:
    return InvalidInput("原始记录无效", [{
        "field": f"rows[{row}]" + (f".{field}" if field else ""), "message": message,
        "row": row, "line": row + header_lines}])


def _staging_ddl(kind: RecordKind) -> str:
    """Required cells are NOT NULL (an empty CSV cell is NULL) and, for text, not blank either; the
    checks run inside COPY, which then names the line and column of the first bad cell."""
    cols = ", ".join(f"{c.name} {c.sql_type}" + (" NOT NULL" if c.required else "") for c in kind.columns)
    checks = "".join(f", CONSTRAINT {c.name}{_NOT_BLANK} CHECK (btrim({c.name}) <> '')"
                     for c in kind.columns if c.required and c.sql_type == "text")
    if kind.name == "ledger":
        checks += ", CHECK (op_type IN (" + ", ".join(f"'{t}'" for t in LEDGER_OP_TYPES) + "))"
    return f"CREATE TEMP TABLE {STAGE} (rn bigint GENERATED ALWAYS AS IDENTITY, {cols}{checks}) ON COMMIT DROP"


async def _csv_body(kind: RecordKind, chunks: AsyncIterator[bytes]) -> tuple[list[str], AsyncIterator[bytes]]:
    """Reads the header line off the stream; returns its columns and the rest of the stream."""
    line, body = await copy_stream.split_header(chunks)
    columns = copy_stream.header_columns(line)
    unknown = [c for c in columns if kind.column(c) is None]
    missing = [c for c in kind.required if c not in columns]
    if not line.strip() or unknown or missing or len(set(columns)) != len(columns):
        raise InvalidInput("原始记录无效", [{
            "field": "header", "message": f"{kind.name} 的列：必需 {', '.join(kind.required)}；可选 "
            + ", ".join(c.name for c in kind.columns if not c.required)
            + (f"；未知 {', '.join(unknown)}" if unknown else "")
            + (f"；缺少 {', '.join(missing)}" if missing else "")}])
    return columns, body


def _ndjson_as_csv(kind: RecordKind, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    return copy_stream.ndjson_as_csv(chunks, [c.name for c in kind.columns],
                                     lambda row, field, message: _bad_row(row, field, message, 0))


async def _refuse_duplicates(conn: asyncpg.Connection, kind: RecordKind, header_lines: int) -> None:
    """A record listed twice in one file (same id) would count twice: 422 naming both rows."""
    key = kind.id_column
    dup = await conn.fetchrow(f"SELECT {key} AS id FROM {STAGE} GROUP BY {key} HAVING count(*) > 1"
                              " ORDER BY min(rn) LIMIT 1")
    if dup is None:
        return
    first, second = [r["rn"] for r in await conn.fetch(
        f"SELECT rn FROM {STAGE} WHERE {key} = $1 ORDER BY rn LIMIT 2", dup["id"])]
    error = _bad_row(int(second), key, f"{key} {dup['id']} appears twice: rows {first} and {second}", header_lines)
    assert error.errors is not None  # _bad_row names the row
    error.errors[0]["rows"] = [int(first), int(second)]
    raise error


async def ingest(session: AsyncSession, kind: RecordKind, period: str, fmt: str,
                 chunks: AsyncIterator[bytes], first_day: date, last_day: date, now: datetime) -> IngestResult:
    """Stages, validates and aggregates one file into the `raw:<kind>` counters of its units."""
    # Through SQLAlchemy first: that opens the session's transaction, which the driver calls then join.
    await session.execute(text(f"SET LOCAL TIME ZONE '{LOCAL_TIMEZONE}'"))
    conn: asyncpg.Connection = (await (await session.connection()).get_raw_connection()).driver_connection
    await conn.execute(_staging_ddl(kind))
    if fmt == "csv":
        columns, body = await _csv_body(kind, chunks)
        header_lines = 1
    else:
        columns, body, header_lines = [c.name for c in kind.columns], _ndjson_as_csv(kind, chunks), 0
    try:
        await conn.copy_to_table(STAGE, source=body, columns=columns, format="csv")
    except asyncpg.PostgresError as exc:
        match = _LINE.search(getattr(exc, "context", None) or "")
        if match is None:
            raise InvalidInput("原始记录无效", [{"field": "body", "message": str(exc)}]) from exc
        row = int(match.group(1))
        field = (match.group(2) if match else None) or getattr(exc, "column_name", None)
        message = str(getattr(exc, "message", exc))
        constraint = getattr(exc, "constraint_name", None) or ""
        if isinstance(exc, asyncpg.NotNullViolationError) or constraint.endswith(_NOT_BLANK):
            field = field or constraint.removesuffix(_NOT_BLANK)
            message = f"必填单元格 {field} 为空"
        else:  # PostgreSQL's own words behind a Chinese lead
            message = f"{field} 的值无效：{message}"
        raise _bad_row(row, field, message, header_lines) from exc
    await _refuse_duplicates(conn, kind, header_lines)
    counters = COUNTER_SQL[kind.name]
    pcol = kind.period_column
    pday = f"{pcol}::date" if kind.period.sql_type == "timestamptz" else pcol
    lo, hi = f"'{first_day.isoformat()}'::date", f"'{last_day.isoformat()}'::date"
    await conn.execute(
        f"CREATE TEMP TABLE {AGG} ON COMMIT DROP AS SELECT unit, count(*) AS n_rows, "
        + ", ".join(f"{expr} AS {name}" for name, expr in counters.items())
        + f", min(rn) AS first_rn, min(rn) FILTER (WHERE {pday} NOT BETWEEN {lo} AND {hi}) AS bad_rn"
        f" FROM {STAGE} GROUP BY unit")
    unknown = await conn.fetchrow(
        f"SELECT a.unit, a.first_rn FROM {AGG} a LEFT JOIN scoring_org_units o ON o.code = a.unit"
        " AND o.level = 'station' WHERE o.code IS NULL ORDER BY a.first_rn LIMIT 1")
    outside = await conn.fetchrow(f"SELECT min(bad_rn) AS rn FROM {AGG}")
    problems = []
    if unknown is not None:
        problems.append((unknown["first_rn"], "unit", f"unknown station {unknown['unit']}"))
    if outside["rn"] is not None:
        problems.append((outside["rn"], pcol, f"{pcol} is outside the period {period}"))
    if problems:
        rn, field, message = min(problems)
        raise _bad_row(int(rn), field, message, header_lines)
    source = f"raw:{kind.name}"
    await conn.execute(
        "INSERT INTO scoring_counters (period, unit, counter, source, value, updated_at) "
        + " UNION ALL ".join(f"SELECT $1::text, unit, '{name}', $2::text, {name}, $3::timestamptz FROM {AGG}"
                             for name in counters)
        + " ON CONFLICT (period, unit, counter, source) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at", period, source, now)
    totals = await conn.fetchrow(
        "SELECT count(*) AS units, coalesce(sum(n_rows), 0)::bigint AS n_rows, "
        + ", ".join(f"coalesce(sum({n}), 0)::bigint AS {n}" for n in counters)
        + f" FROM {AGG}")
    await conn.execute(f"DROP TABLE {AGG}; DROP TABLE {STAGE}")
    return IngestResult(int(totals["n_rows"]), int(totals["units"]), {n: int(totals[n]) for n in counters})
