"""The one unit-scope rule, in Python and in SQL.

A caller sees a unit when it is one of the token's units or lies below one (org codes nest by '-':
QY-QC covers QY-QC and QY-QC-07, not QY-QCX). Reads outside the subtree answer 404 as if the thing
did not exist; writes naming a unit outside it are refused (403, naming the field or the row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, literal, or_, true

from shared.auth import Principal
from shared.errors import NotFound, OutOfScope


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_subtree(column: Any, unit: str) -> ColumnElement[bool]:
    """SQL: `column = unit OR column LIKE escape(unit) || '-%'` (LIKE wildcards in codes escaped)."""
    return or_(column == unit, column.like(literal(_escape_like(unit) + "-%"), escape="\\"))


def within(column: Any, prefixes: Sequence[str] | None) -> ColumnElement[bool]:
    """SQL: the column lies in any of the subtrees; None = unrestricted, () = nothing."""
    if prefixes is None:
        return true()
    if not prefixes:
        return false()
    return or_(*(in_subtree(column, p) for p in prefixes))


def visible_to(caller: Principal, column: Any) -> ColumnElement[bool]:
    """SQL filter for a caller's subtree (true for admins and city-wide tokens)."""
    return within(column, caller.unit_prefixes())


def unit_in(unit: str, prefixes: Iterable[str] | None) -> bool:
    """Python twin of `within` for one code."""
    if prefixes is None:
        return True
    return any(unit == p or unit.startswith(p + "-") for p in prefixes)


def ensure_visible(caller: Principal, unit: str | None, what: str = "resource") -> None:
    """404 (the same answer as a missing row) when the unit lies outside the caller's subtree."""
    if unit is not None and not caller.may_see(unit):
        raise NotFound(f"单位 {unit} 没有该资源" if what == "resource" else f"没有{what}")


def ensure_writable(caller: Principal, unit: str, field: str = "body.unit") -> None:
    """A write naming a unit outside the caller's subtree is refused (403), naming the field."""
    if not caller.may_see(unit):
        raise OutOfScope(f"{field}：单位 {unit} 不在您的管辖范围内",
                         errors=[{"field": field, "message": f"单位 {unit} 不在您的管辖范围内"}])


def ensure_rows_writable(caller: Principal, rows: Iterable[tuple[str, str]]) -> None:
    """Reject a whole batch when any row names a unit outside the caller's subtree; `rows` are
    (field naming the row, unit) pairs, e.g. ("body.rows[3].unit", "QY-FG-06")."""
    if caller.sees_all_units:
        return
    bad = [{"field": field, "message": f"单位 {unit} 不在您的管辖范围内"}
           for field, unit in rows if not caller.may_see(unit)]
    if bad:
        raise OutOfScope(f"{len(bad)} 行的单位不在您的管辖范围内（第一处：{bad[0]['field']}）",
                         errors=bad[:100])


# The same rule for hand-written SQL (asyncpg COPY paths): `column` within any code of the text[]
# parameter `param` (e.g. "$2"); LIKE wildcards in the codes are escaped in SQL.
def sql_within(column: str, param: str) -> str:
    return (f"EXISTS (SELECT 1 FROM unnest(CAST({param} AS text[])) AS scope_p(code) WHERE {column} = scope_p.code"
            f" OR {column} LIKE replace(replace(replace(scope_p.code, '\\', '\\\\'), '%', '\\%'), '_', '\\_')"
            " || '-%' ESCAPE '\\')")
