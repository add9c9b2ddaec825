"""The bulk path for credit files: stream a CSV into PostgreSQL with COPY, check and load it set-based.

The body is never held in memory: its bytes go from the request into `COPY … FROM STDIN` on a
temporary staging table of text columns (blank lines dropped on the way, their row numbers kept).
One pass then trims, checks (the rules of credit_columns.py) and casts every row into a typed
table; the first bad row is reported with its row number (row 1 is the header) and field. One
INSERT … SELECT / upsert per table and one set-based refresh of the bills' paid amounts follow.
All of it runs in the caller's transaction: any error leaves nothing behind.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.credit_columns import KINDS, Column, FileKind
from services.alerts.domain.credit import InvalidRow
from shared.errors import OutOfScope
from shared.reference import current_period
from shared.scope import sql_within

STAGE = "alerts_credit_stage"
CLEAN = "alerts_credit_clean"
_LINE = re.compile(r"line (\d+)")
_BLANK = re.compile(rb"(?:^|\n)[ \t\r\f\v]*\n")
_MAX_PENDING = 1 << 20
_WS = r"E' \t\r\n\f\013'"


class _Body:
    """The data lines after the header, without blank lines; maps COPY's line numbers to file rows."""

    def __init__(self, rest: bytes, chunks: AsyncIterator[bytes], header_row: int) -> None:
        self._rest, self._chunks, self.header_row = rest, chunks, header_row
        self._skipped: list[int] = []  # physical line numbers (after the header, 1-based) that were blank

    def row(self, line: int) -> int:
        """File row of the `line`-th line COPY saw."""
        p = line
        for s in self._skipped:
            if s > p:
                break
            p += 1
        return self.header_row + p

    def _drop_blanks(self, block: bytes, seen: int) -> bytes:
        if not _BLANK.search(block) and not block.startswith(b"\n"):
            return block
        kept = []
        for i, line in enumerate(block.split(b"\n")[:-1], start=seen + 1):
            if line.strip():
                kept.append(line)
            else:
                bisect.insort(self._skipped, i)
        return b"\n".join(kept) + b"\n" if kept else b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen, pending = 0, self._rest

        async for chunk in self._chunks:
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if cut == 0 and len(pending) < _MAX_PENDING:
                continue
            block, pending = (pending[:cut], pending[cut:]) if cut else (pending, b"")
            out = self._drop_blanks(block, seen)
            seen += block.count(b"\n")
            if out:
                yield out
        if pending.strip():
            yield self._drop_blanks(pending + b"\n", seen)


async def _header(kind: FileKind, chunks: AsyncIterator[bytes]) -> tuple[list[str], _Body]:
    """Reads the header (the first non-blank line) off the stream; checks its columns."""
    head, row = b"", 0
    it = chunks.__aiter__()
    while True:
        while b"\n" not in head:
            chunk = await anext(it, None)
            if chunk is None:
                break
            head += chunk
        line, nl, rest = head.partition(b"\n")
        row += 1
        if line.strip() or not nl:
            break
        head = rest
    try:
        decoded = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRow(None, "body", f"不是 UTF-8 编码：{exc}") from exc
    if not decoded.strip():
        raise InvalidRow(1, "header", "文件为空")
    columns = [h.strip() for h in next(csv.reader([decoded.rstrip("\r")]))]
    missing = [c.name for c in kind.columns if c.required and c.name not in columns]
    unknown = [h for h in columns if kind.column(h) is None]
    if missing or unknown:
        raise InvalidRow(1, (missing or unknown)[0], "缺少该列" if missing else "未知列")
    twice = [h for i, h in enumerate(columns) if h in columns[:i]]
    if twice:
        raise InvalidRow(1, twice[0], "列重复")
    return columns, _Body(rest, it, row)


def _value(c: str) -> str:
    return c  # trimmed once, in _stage


def _error_sql(kind: FileKind, present: list[str]) -> str:
    """'field|message' of a row's first bad value, NULL when the row is good."""
    whens = []
    for c in kind.columns:
        if c.name not in present:
            continue  # absent: a required one was refused with the header
        v = _value(c.name)
        if c.required:
            whens.append(f"WHEN {v} IS NULL THEN '{c.name}|Field required'")
        for check, message in c.checks:
            whens.append(f"WHEN {v} IS NOT NULL AND NOT ({check.replace('{v}', v)}) THEN '{c.name}|"
                         + message.replace("'", "''") + "'")
    return "CASE " + " ".join(whens) + " END" if whens else "NULL::text"


def _cast_sql(c: Column, present: list[str]) -> str:
    if c.name not in present:
        return f"{c.default}::{c.type}"
    cast = c.cast.replace("{v}", _value(c.name))
    return f"coalesce({cast}, {c.default})" if c.default != "NULL" else f"({cast})::{c.type}"


async def _stage(conn: asyncpg.Connection, kind: FileKind, chunks: AsyncIterator[bytes]) -> _Body:
    columns, body = await _header(kind, chunks)
    await conn.execute(f"CREATE TEMP TABLE {STAGE} (rn bigint GENERATED ALWAYS AS IDENTITY, "
                       + ", ".join(f"{n} text" for n in kind.names) + ") ON COMMIT DROP")
    try:
        await conn.copy_to_table(STAGE, source=body, columns=columns, format="csv")
    except asyncpg.PostgresError as exc:
        match = _LINE.search(getattr(exc, "context", None) or "")
        message = str(getattr(exc, "message", exc))
        if getattr(exc, "sqlstate", "") in ("22021", "22P05") or match is None:
            raise InvalidRow(None, "body", f"文件须为 UTF-8 编码的 CSV：{message}") from exc
        raise InvalidRow(body.row(int(match.group(1))), "row", message) from exc
    errors = _error_sql(kind, columns)
    await conn.execute(
        f"CREATE TEMP TABLE {CLEAN} ON COMMIT DROP AS SELECT rn, err, "
        + ", ".join(f"CASE WHEN err IS NULL THEN {_cast_sql(c, columns)} END AS {c.name}" for c in kind.columns)
        + f" FROM (SELECT *, {errors} AS err FROM (SELECT rn, "
        + ", ".join(f"nullif(btrim({n}, {_WS}), '') AS {n}" for n in kind.names)
        + f" FROM {STAGE}) t OFFSET 0) s")  # OFFSET 0: the checks run once a row, not once per column
    bad = await conn.fetchrow(f"SELECT rn, err FROM {CLEAN} WHERE err IS NOT NULL ORDER BY rn LIMIT 1")
    if bad is not None:
        field, _, message = bad["err"].partition("|")
        raise InvalidRow(body.row(bad["rn"]), field, message)
    if not kind.first_wins:
        key = ", ".join(kind.key)
        dup = await conn.fetchrow(
            f"SELECT rn FROM (SELECT rn, row_number() OVER (PARTITION BY {key} ORDER BY rn) AS k FROM {CLEAN}) d"
            " WHERE k > 1 ORDER BY rn LIMIT 1")
        if dup is not None:
            raise InvalidRow(body.row(dup["rn"]), kind.key[-1], f"{' 与 '.join(kind.key)} 相同的第二行")
    return body


async def _check_scope(conn: asyncpg.Connection, body: _Body, scope: tuple[str, ...]) -> None:
    """Refuses the file when a row names a unit outside the caller's subtree, or a customer already
    kept under such a unit (a scoped caller must not rewrite another county's customers)."""
    bad = await conn.fetch(
        f"SELECT c.rn, c.unit, k.unit AS kept FROM {CLEAN} c"
        " LEFT JOIN alerts_credit_customers k ON k.customer_no = c.customer_no"
        f" WHERE NOT {sql_within('c.unit', '$1')} OR (k.unit IS NOT NULL AND NOT {sql_within('k.unit', '$1')})"
        " ORDER BY c.rn LIMIT 100", list(scope))
    if bad:
        raise OutOfScope(
            f"{len(bad)} 行的单位不在您的管辖范围内（第一处：第 {body.row(bad[0]['rn'])} 行）",
            errors=[{"field": f"row {body.row(r['rn'])}.unit", "row": body.row(r["rn"]),
                     "message": f"单位 {r['kept'] if r['kept'] and r['kept'] != r['unit'] else r['unit']}"
                                " 不在您的管辖范围内"} for r in bad])


async def _check_references(conn: asyncpg.Connection, kind: FileKind, body: _Body, now: datetime) -> None:
    """Refuses the file at its first row naming an org unit that does not exist or a month after the
    current one (Asia/Shanghai). Set-based: one anti-join against the shared org-unit table, the
    checks of shared/reference.py for a whole file at once."""
    current = current_period(now)
    period = "period" if "period" in kind.names else "NULL::text"
    bad = await conn.fetchrow(
        f"SELECT c.rn, c.unit, {period} AS period, u.code IS NULL AS unknown FROM {CLEAN} c"
        " LEFT JOIN scoring_org_units u ON u.code = c.unit"
        f" WHERE u.code IS NULL OR {period} > $1 ORDER BY c.rn LIMIT 1", current)
    if bad is None:
        return
    if bad["unknown"]:
        raise InvalidRow(body.row(bad["rn"]), "unit", f"没有单位 {bad['unit']}")
    raise InvalidRow(body.row(bad["rn"]), "period", f"账期 {bad['period']} 晚于本月 {current}")


_CUSTOMER_COLS = ("unit", "large", "theft_on", "illegal_use_on", "old_arrears_no_agreement")
_LOCAL_DATE = "(p.paid_at AT TIME ZONE 'Asia/Shanghai')::date"


async def _load(conn: asyncpg.Connection, kind: FileKind) -> None:
    if kind.name == "customers":
        await conn.execute(
            "INSERT INTO alerts_credit_customers (customer_no, " + ", ".join(_CUSTOMER_COLS) + ") "
            "SELECT customer_no, " + ", ".join(_CUSTOMER_COLS) + f" FROM {CLEAN} ORDER BY rn "
            "ON CONFLICT (customer_no) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _CUSTOMER_COLS))
        return
    await conn.execute(
        "INSERT INTO alerts_credit_customers (customer_no, unit) SELECT DISTINCT ON (customer_no) customer_no, unit"
        f" FROM {CLEAN} ORDER BY customer_no, rn ON CONFLICT DO NOTHING")
    if kind.name == "bills":
        await conn.execute(
            "INSERT INTO alerts_credit_bills (customer_no, period, unit, amount_due, due_date)"
            f" SELECT customer_no, period, unit, amount_due, due_date FROM {CLEAN} ORDER BY rn"
            " ON CONFLICT (customer_no, period) DO UPDATE SET unit = excluded.unit,"
            " amount_due = excluded.amount_due, due_date = excluded.due_date")
    else:
        await conn.execute(
            "INSERT INTO alerts_credit_payments (payment_id, customer_no, unit, period, amount, paid_at, channel)"
            " SELECT DISTINCT ON (payment_id) payment_id, customer_no, unit, period, amount, paid_at, channel"
            f" FROM {CLEAN} ORDER BY payment_id, rn ON CONFLICT DO NOTHING")
    await _refresh_paid(conn)


async def _refresh_paid(conn: asyncpg.Connection) -> None:
    """Paid amount and the local date a bill was paid in full, for every bill the file touched."""
    await conn.execute(f"""
WITH k AS MATERIALIZED (SELECT DISTINCT customer_no, period FROM {CLEAN}),
w AS (
  SELECT p.customer_no, p.period, p.amount, {_LOCAL_DATE} AS day,
    sum(p.amount) OVER (PARTITION BY p.customer_no, p.period ORDER BY p.paid_at, p.payment_id) AS cum
  FROM alerts_credit_payments p JOIN k ON k.customer_no = p.customer_no AND k.period = p.period
), x AS (
  SELECT b.customer_no, b.period, coalesce(sum(w.amount), 0) AS total,
    min(w.day) FILTER (WHERE w.cum >= b.amount_due) AS paid_on
  FROM alerts_credit_bills b JOIN k ON k.customer_no = b.customer_no AND k.period = b.period
  LEFT JOIN w ON w.customer_no = b.customer_no AND w.period = b.period
  GROUP BY b.customer_no, b.period, b.amount_due
)
UPDATE alerts_credit_bills b SET paid_amount = x.total, paid_on = x.paid_on
FROM x WHERE b.customer_no = x.customer_no AND b.period = x.period
  AND (b.paid_amount IS DISTINCT FROM x.total OR b.paid_on IS DISTINCT FROM x.paid_on)""")


async def import_file(session: AsyncSession, kind: str, chunks: AsyncIterator[bytes], now: datetime,
                      scope: tuple[str, ...] | None = None) -> int:
    """Stages, checks and loads one file; returns its number of rows. Raises InvalidRow.

    `now` (the runtime's clock) decides which months have begun: a row for a later one is refused."""
    spec = KINDS[kind]
    # Through SQLAlchemy first: that opens the session's transaction, which the driver calls then join.
    await session.execute(text("SELECT 1"))
    conn: asyncpg.Connection = (await (await session.connection()).get_raw_connection()).driver_connection
    body = await _stage(conn, spec, chunks)
    await _check_references(conn, spec, body, now)
    if scope is not None:
        await _check_scope(conn, body, scope)
    await _load(conn, spec)
    rows = await conn.fetchval(f"SELECT count(*) FROM {CLEAN}")
    await conn.execute(f"DROP TABLE {CLEAN}; DROP TABLE {STAGE}")
    return int(rows)
