"""The columns of the credit CSV files and their rules as SQL, for the set-based import.

Each column is staged as text; `{v}` below is its trimmed value (NULL when empty). The checks run in
order and the first that fails names the column and says why, as the row-by-row validation did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.patterns import PERIOD_PATTERN, UNIT_CODE_PATTERN

_DAY = r"[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_DATE_RE = f"^{_DAY}$"
_TS_RE = _DAY + r"([Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?$"
# the day of the month exists (the regexes above allow up to 31): no input function per row
_DAY_OK = ("substr({v}, 9, 2)::int <= CASE WHEN substr({v}, 6, 2) IN ('04', '06', '09', '11') THEN 30"
           " WHEN substr({v}, 6, 2) <> '02' THEN 31 WHEN substr({v}, 1, 4)::int % 4 = 0 AND"
           " (substr({v}, 1, 4)::int % 100 <> 0 OR substr({v}, 1, 4)::int % 400 = 0) THEN 29 ELSE 28 END")
_TZ_RE = r"[Tt ]\d{2}:\d{2}.*([Zz]|[+-]\d{2}(:?\d{2})?)$"
_NUM_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$"
_BOOLS = "('0','off','f','false','n','no','1','on','t','true','y','yes')"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # SQL type of the loaded value
    cast: str  # SQL of the typed value from {v}, once the checks passed
    checks: tuple[tuple[str, str], ...] = ()  # (SQL that is true when {v} is valid, message otherwise)
    required: bool = True
    default: str = "NULL"  # SQL when empty or absent


def _text(name: str, max_length: int) -> Column:
    return Column(name, "text", "{v}", ((f"char_length({{v}}) <= {max_length}",
                                 f"String should have at most {max_length} characters"),))


def _unit() -> Column:
    return Column("unit", "text", "{v}", (("char_length({v}) <= 64", "String should have at most 64 characters"),
                                  ("{v} ~ '" + UNIT_CODE_PATTERN + "'",
                                   f"String should match pattern '{UNIT_CODE_PATTERN}'")))


def _period() -> Column:
    return Column("period", "text", "{v}", (("{v} ~ '" + PERIOD_PATTERN + "'",
                                             f"String should match pattern '{PERIOD_PATTERN}'"),))


def _date(name: str, required: bool = True) -> Column:
    return Column(name, "date", "{v}::date", ((f"{{v}} ~ '{_DATE_RE}' AND {_DAY_OK}",
                                       "Input should be a valid date in the format YYYY-MM-DD"),),
                  required=required)


def _bool(name: str) -> Column:
    return Column(name, "boolean", "lower({v})::boolean", ((f"lower({{v}}) IN {_BOOLS}",
                                                 "Input should be a valid boolean, unable to interpret input"),),
                  required=False, default="false")


def _yuan(name: str, non_negative: bool) -> Column:
    checks = [
        (f"{{v}} ~ '{_NUM_RE}'", "Input should be a valid decimal"),
        ("scale(trim_scale({v}::numeric)) <= 2", "Decimal input should have no more than 2 decimal places"),
        ("abs({v}::numeric) < 1e12", "Decimal input should have no more than 12 digits before the decimal point"),
    ]
    if non_negative:
        checks.append(("{v}::numeric >= 0", "Input should be greater than or equal to 0"))
    return Column(name, "numeric", "{v}::numeric", tuple(checks))


def _timestamp(name: str) -> Column:
    """ISO 8601; without an offset it is UTC (as a naive datetime was)."""
    return Column(name, "timestamptz", f"CASE WHEN {{v}} ~ '{_TZ_RE}' THEN {{v}}::timestamptz"
                        " ELSE {v}::timestamp AT TIME ZONE 'UTC' END",
                  ((f"{{v}} ~ '^{_TS_RE}' AND {_DAY_OK}",
                    "Input should be a valid datetime"),))


@dataclass(frozen=True)
class FileKind:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # a row's identity; two rows of a file with the same one are rejected
    first_wins: bool = False  # …unless the first one counts and the rest are ignored (payments)
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


KINDS: dict[str, FileKind] = {k.name: k for k in (
    FileKind("customers", (_text("customer_no", 64), _unit(), _bool("large"), _date("theft_on", False),
                           _date("illegal_use_on", False), _bool("old_arrears_no_agreement")), key=("customer_no",)),
    FileKind("bills", (_text("customer_no", 64), _unit(), _period(), _yuan("amount_due", non_negative=True),
                       _date("due_date")), key=("customer_no", "period")),
    FileKind("payments", (_text("payment_id", 128), _text("customer_no", 64), _unit(), _period(),
                          _yuan("amount", non_negative=False), _timestamp("paid_at"),
                          Column("channel", "text", "{v}", required=False)), key=("payment_id",), first_wins=True),
)}
