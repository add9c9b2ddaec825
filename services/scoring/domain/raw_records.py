"""Raw record kinds m2c aggregates into counters itself (DESIGN §4.2 field definitions).

Each kind: its columns (name, PostgreSQL type, required), the column whose date must lie in the
imported period, and the counters it produces. The SQL that aggregates lives in the adapter;
the definitions it implements are these:

- readings: a task is planned; done when uploaded; overdue when uploaded on a later calendar day
  than planned (approved exceptions: more than 3 days later); one-stop due / done as flagged.
- bills: each bill is issued.
- reconciliations: each task is due; done when done_on is on or before due_on.
- anomalies: overdue when not rectified, or rectified after due_on.
- ledger: op_type receivable_rollback on a released bill (应收回退) counts a roll-back;
  op_type payment_reversal reversed on a later calendar day than the original charge (隔日抹账)
  counts a next-day write-off (whole days in Asia/Shanghai, not timestamps).

Every kind has an id column (task_id, bill_id, anomaly_id, op_id) that is unique within a file (a
record listed twice would be counted twice), and required columns whose cells must not be empty.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_TIMEZONE = "Asia/Shanghai"
APPROVED_EXCEPTION_DAYS = 3
LEDGER_OP_TYPES = ("receivable_rollback", "payment_reversal")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    required: bool = False


@dataclass(frozen=True)
class RecordKind:
    name: str
    columns: tuple[Column, ...]
    period_column: str
    counters: tuple[str, ...]
    id_column: str  # unique within a file: a record listed twice would count twice

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def period(self) -> Column:
        """The column that dates a record (`period_column` names one of the kind's own columns)."""
        return next(c for c in self.columns if c.name == self.period_column)


def _c(name: str, sql_type: str, required: bool = False) -> Column:
    return Column(name, sql_type, required)


KINDS: dict[str, RecordKind] = {k.name: k for k in (
    RecordKind("readings", (_c("unit", "text", True), _c("task_id", "text", True), _c("planned_day", "date", True),
                            _c("uploaded_at", "timestamptz"), _c("exception_approved", "boolean"),
                            _c("one_stop_due", "boolean"), _c("one_stop_done", "boolean")),
               "planned_day", ("readings_planned", "readings_done", "uploads_overdue", "one_stop_due",
                               "one_stop_done"), "task_id"),
    RecordKind("bills", (_c("unit", "text", True), _c("bill_id", "text", True), _c("issued_on", "date", True)),
               "issued_on", ("bills_issued",), "bill_id"),
    RecordKind("reconciliations", (_c("unit", "text", True), _c("task_id", "text", True), _c("due_on", "date", True),
                                   _c("done_on", "date")),
               "due_on", ("recon_due", "recon_done"), "task_id"),
    RecordKind("anomalies", (_c("unit", "text", True), _c("anomaly_id", "text", True), _c("due_on", "date", True),
                             _c("rectified_on", "date")),
               "due_on", ("anomalies_overdue",), "anomaly_id"),
    RecordKind("ledger", (_c("unit", "text", True), _c("op_id", "text", True), _c("op_type", "text", True),
                          _c("original_at", "timestamptz", True), _c("reversed_at", "timestamptz", True),
                          _c("bill_released", "boolean")),
               "reversed_at", ("receivable_rollbacks", "writeoffs_next_day"), "op_id"),
)}
