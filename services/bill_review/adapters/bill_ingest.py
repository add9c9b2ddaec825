"""Bills into review_bills: streamed with COPY into a typed staging table, checked set-based, and
replacing the bills of the file's units for the period — all in the caller's transaction, so a bad
row leaves nothing behind.

A malformed value fails the COPY with its line and column; a CHECK names its column. Then one GROUP BY
gives the file's units (unknown or out-of-scope ones are refused with their first row), and the insert
into review_bills finds duplicate bill ids: only when it fails are the two rows looked up.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.bill_stream import bad_row, csv_body, ndjson_as_csv
from services.bill_review.domain import bill_file
from services.bill_review.domain.errors import InvalidInput

STAGE = "review_stage"
STAGE_UNITS = "review_stage_units"
_LINE = re.compile(r"line (\d+)(?:, column (\w+))?")
_TITLE = "账单文件无效"
_BILL_COLUMNS = ", ".join(c.name for c in bill_file.COLUMNS if c.name != "meter_changed")


@dataclass(frozen=True)
class ImportedFile:
    rows: int
    units: dict[str, int]  # unit → bills


def _staging_ddl() -> str:
    cols = ", ".join(f"{c.name} {c.sql_type}" + (" NOT NULL" if c.required else "")
                     + (f" CONSTRAINT {c.name} CHECK ({c.check})" if c.check else "") for c in bill_file.COLUMNS)
    return f"CREATE TEMP TABLE {STAGE} (rn bigint GENERATED ALWAYS AS IDENTITY, {cols}) ON COMMIT DROP"


async def raw_connection(session: AsyncSession) -> asyncpg.Connection:
    """The session's asyncpg connection (COPY and array parameters), inside the session's transaction."""
    conn: asyncpg.Connection = (await (await session.connection()).get_raw_connection()).driver_connection
    if not conn.is_in_transaction():
        # The driver begins its transaction on the first statement SQLAlchemy sends: send one, so that
        # what follows directly on the connection is part of it (and ON COMMIT DROP tables live until commit).
        await session.execute(text("SELECT 1"))
    return conn


def _copy_problem(exc: asyncpg.PostgresError, header_lines: int) -> InvalidInput:
    match = _LINE.search(getattr(exc, "context", None) or "")
    if match is None:
        return InvalidInput(_TITLE, [{"field": "body", "message": str(exc)}])
    column = match.group(2) or getattr(exc, "column_name", None)
    constraint = getattr(exc, "constraint_name", None)
    message = str(getattr(exc, "message", exc))
    if constraint in bill_file.CHECK_MESSAGES:
        column, message = constraint, f"{constraint} {bill_file.CHECK_MESSAGES[constraint]}"
    elif isinstance(exc, asyncpg.NotNullViolationError):
        message = f"{column} 必填"
    else:  # PostgreSQL's own words (e.g. invalid input syntax for type numeric) behind a Chinese lead
        message = f"{column} 的值无效：{message}"
    return InvalidInput(_TITLE, [bad_row(int(match.group(1)), column, message, header_lines)])


async def stage(session: AsyncSession, fmt: str, chunks: AsyncIterator[bytes]) -> int:
    """COPY the file into the staging table; returns the header lines the file had (for line numbers)."""
    conn = await raw_connection(session)
    await conn.execute(_staging_ddl())
    if fmt == "csv":
        columns, body = await csv_body(chunks)
        header_lines = 1
    else:
        columns, body, header_lines = [c.name for c in bill_file.COLUMNS], ndjson_as_csv(chunks), 0
    try:
        await conn.copy_to_table(STAGE, source=body, columns=columns, format="csv")
    except asyncpg.PostgresError as exc:
        raise _copy_problem(exc, header_lines) from exc
    return header_lines


async def check_units(session: AsyncSession, header_lines: int, may_see: Callable[[str], bool]) -> dict[str, int]:
    """The file's units (→ bills); refuses an empty file, an unknown station or one outside the caller's scope."""
    conn = await raw_connection(session)
    await conn.execute(f"CREATE TEMP TABLE {STAGE_UNITS} ON COMMIT DROP AS"
                       f" SELECT unit, min(rn) AS first_rn, count(*) AS bills FROM {STAGE} GROUP BY unit")
    rows = await conn.fetch(
        f"SELECT s.unit, s.first_rn, s.bills, o.code IS NOT NULL AS known FROM {STAGE_UNITS} s"
        " LEFT JOIN scoring_org_units o ON o.code = s.unit AND o.level = 'station' ORDER BY s.first_rn")
    if not rows:
        raise InvalidInput(_TITLE, [{"field": "body", "message": "文件中没有账单"}])
    for r in rows:
        if not r["known"]:
            raise InvalidInput(_TITLE, [bad_row(r["first_rn"], "unit", f"没有供电所 {r['unit']}",
                                                header_lines)])
    for r in rows:
        if not may_see(r["unit"]):
            raise InvalidInput("单位不在您的管辖范围内", [bad_row(
                r["first_rn"], "unit", f"单位 {r['unit']} 不在您的管辖范围内", header_lines)], status=403)
    return {r["unit"]: int(r["bills"]) for r in rows}


async def _duplicate_problem(conn: asyncpg.Connection, period: str, header_lines: int) -> InvalidInput:
    """Why the insert hit the primary key: a bill id twice in the file, or already a bill of another unit."""
    twice = await conn.fetchrow(
        f"SELECT bill_id, (array_agg(rn ORDER BY rn))[1:2] AS rns FROM {STAGE} GROUP BY bill_id"
        " HAVING count(*) > 1 ORDER BY min(rn) LIMIT 1")
    if twice is not None:
        first, second = twice["rns"]
        message = f"bill_id {twice['bill_id']} 出现两次：第 {first} 行和第 {second} 行"
        return InvalidInput(_TITLE, [bad_row(first, "bill_id", message, header_lines),
                                     bad_row(second, "bill_id", message, header_lines)])
    taken = await conn.fetchrow(
        f"SELECT s.rn, s.bill_id, b.unit FROM {STAGE} s JOIN review_bills b ON b.period = $1"
        " AND b.bill_id = s.bill_id ORDER BY s.rn LIMIT 1", period)
    message = (f"bill_id {taken['bill_id']} 已是 {taken['unit']} 在 {period} 的账单"
               "（一个文件只替换它自己所含单位的账单）")
    return InvalidInput(_TITLE, [bad_row(taken["rn"], "bill_id", message, header_lines)])


async def replace_bills(session: AsyncSession, period: str, header_lines: int, by: str,
                        now: datetime) -> None:
    """The staged bills become the period's bills of their units (earlier bills of those units go)."""
    conn = await raw_connection(session)
    await conn.execute(f"DELETE FROM review_bills WHERE period = $1 AND unit IN (SELECT unit FROM {STAGE_UNITS})",
                       period)
    await conn.execute("SAVEPOINT review_insert")
    try:
        await conn.execute(
            f"INSERT INTO review_bills (period, {_BILL_COLUMNS}, meter_changed)"
            f" SELECT $1, {_BILL_COLUMNS}, coalesce(meter_changed, false) FROM {STAGE}", period)
    except asyncpg.UniqueViolationError:
        await conn.execute("ROLLBACK TO SAVEPOINT review_insert")
        raise await _duplicate_problem(conn, period, header_lines) from None
    await conn.execute("RELEASE SAVEPOINT review_insert")
    await conn.execute(
        "INSERT INTO review_units (period, unit, bills, imported_by, imported_at)"
        f" SELECT $1, unit, bills, $2, $3 FROM {STAGE_UNITS}"
        " ON CONFLICT (period, unit) DO UPDATE SET bills = excluded.bills, imported_by = excluded.imported_by,"
        " imported_at = excluded.imported_at, reviewed_at = NULL, rule_set_version = NULL", period, by, now)
    await conn.execute(f"DROP TABLE {STAGE_UNITS}; DROP TABLE {STAGE}")
    # Fresh statistics of the columns the run plans on (a whole month joined by customer); ANALYZE of every
    # column costs twice the CPU (measured) and no query reads the other columns' statistics.
    await conn.execute("ANALYZE review_bills (period, unit, customer_no, tariff_code)")
