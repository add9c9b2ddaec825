"""Raw record files (readings, bills, reconciliations, anomalies, ledger) whose aggregation gives
back exactly a station's counters (docs/scoring.md, raw records)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from services.demo.periods import day

KINDS = ("readings", "bills", "reconciliations", "anomalies", "ledger")
HEADERS = {
    "readings": "unit,task_id,planned_day,uploaded_at,exception_approved,one_stop_due,one_stop_done",
    "bills": "unit,bill_id,issued_on",
    "reconciliations": "unit,task_id,due_on,done_on",
    "anomalies": "unit,anomaly_id,due_on,rectified_on",
    "ledger": "unit,op_id,op_type,original_at,reversed_at,bill_released",
}
# Counters that raw files produce; the rest (bills_erroneous) is reported as counters.
RAW_COUNTERS = frozenset({"readings_planned", "readings_done", "uploads_overdue", "one_stop_due", "one_stop_done",
                          "bills_issued", "recon_due", "recon_done", "anomalies_overdue", "receivable_rollbacks",
                          "writeoffs_next_day"})


def rows(kind: str, unit: str, period: str, c: Mapping[str, int], rng: random.Random) -> Iterable[str]:
    """CSV lines (no header) of one kind for one station and month."""
    p = period.replace("-", "")
    if kind == "readings":
        done, overdue = c["readings_done"], c["uploads_overdue"]
        for i in range(c["readings_planned"]):
            planned = day(period, 1 + i % 25)
            uploaded = exception = ""
            if i < done:
                late = 1 + i % 2 if i < overdue else (2 if i % 997 == 0 else 0)
                exception = "t" if late and i >= overdue else ""
                uploaded = f"{planned.fromordinal(planned.toordinal() + late)} {8 + i % 9:02d}:{i % 60:02d}:00"
            one_stop_due = "t" if i < c["one_stop_due"] else "f"
            ok = "t" if i < c["one_stop_done"] else "f"
            yield f"{unit},R{p}{unit}{i:06d},{planned},{uploaded},{exception},{one_stop_due},{ok}"
    elif kind == "bills":
        for i in range(c["bills_issued"]):
            yield f"{unit},B{p}{unit}{i:06d},{day(period, 2 + i % 26)}"
    elif kind == "reconciliations":
        for i in range(c["recon_due"]):
            due = day(period, 1 + i % 28)
            done_on = due if i < c["recon_done"] else (due.fromordinal(due.toordinal() + 3) if i % 2 else "")
            yield f"{unit},RC{p}{unit}{i:04d},{due},{done_on}"
    elif kind == "anomalies":
        overdue = c["anomalies_overdue"]
        for i in range(overdue * 2 + rng.randint(2, 6)):
            due = day(period, 5 + i % 20)
            if i < overdue:
                fixed = "" if i % 2 == 0 else str(due.fromordinal(due.toordinal() + 4))
            else:
                fixed = str(due.fromordinal(due.toordinal() - 1))
            yield f"{unit},AN{p}{unit}{i:04d},{due},{fixed}"
    elif kind == "ledger":
        i = 0
        for _ in range(c["receivable_rollbacks"]):
            d = day(period, 3 + i % 20)
            yield f"{unit},L{p}{unit}{i:04d},receivable_rollback,{d} 09:30:00,{d} 15:00:00,t"
            i += 1
        for _ in range(c["writeoffs_next_day"]):
            d = day(period, 3 + i % 20)
            yield f"{unit},L{p}{unit}{i:04d},payment_reversal,{d} 16:40:00,{d.fromordinal(d.toordinal() + 1)} 09:10:00,"
            i += 1
        for _ in range(rng.randint(1, 4)):  # same-day reversals: not counted
            d = day(period, 3 + i % 20)
            yield f"{unit},L{p}{unit}{i:04d},payment_reversal,{d} 10:00:00,{d} 17:30:00,"
            i += 1


def csv_file(kind: str, period: str, stations: Iterable[tuple[str, Mapping[str, int]]], rng: random.Random,
             chunk_lines: int = 20000) -> Iterable[bytes]:
    """The whole file of one kind for a month, in chunks of lines (for a streamed upload)."""
    buf = [HEADERS[kind]]
    for unit, counters in stations:
        for line in rows(kind, unit, period, counters, rng):
            buf.append(line)
            if len(buf) >= chunk_lines:
                yield ("\n".join(buf) + "\n").encode()
                buf = []
    if buf:
        yield ("\n".join(buf) + "\n").encode()
