"""One SLA-scanner pass over a million open tickets, against a bare indexed SELECT of the same rows.

    python bench/sla_scan.py [--scale S] [--due-fraction F] [--batch B] [--repeat K]

Data: 1 000 000 × S open audit tickets (audit_tickets, state `issued`, each with its running SLA in
audit_ticket_sla) whose deadlines are spread evenly over a year around "now" (2026-06-15 10:00
Asia/Shanghai), so that F (default 1 %) of them are already past due — by up to F × 365 days, i.e.
escalation levels 1–3 or so.

baseline   `SELECT s.*, t.unit, t.state FROM audit_ticket_sla s JOIN audit_tickets t ON t.seq = s.ticket_seq
           WHERE s.next_escalation_at < now` — the same rows the scanner must find, through the same
           index, fetched to the client.
scanner    services.audit_link.handlers.sla.scan(): claims the due tickets FOR UPDATE SKIP LOCKED in
           batches of B, computes each level on the working-day calendar, inserts the escalation rows
           (exactly-once key), writes one TicketEscalated per ticket to the outbox and moves each
           ticket's next escalation time — one transaction per batch, durable commits.

Both run K times on fresh copies of the loaded data (the scanner changes it), warm cache, the scanner
right after a checkpoint (so each page it changes costs a full page image in the WAL, as it would
in the minutes after any checkpoint, and no checkpoint lands mid-run); the median run of each is
reported with the ratio scanner / baseline. A second scanner pass right after must find nothing
(printed as a check). PostgreSQL is an embedded server with fsync on, unless M2C_BENCH_DATABASE_URL
names one. Target: the scanner pass under 1 s at scale 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import ScratchDatabases, dsn, postgres_server  # noqa: E402

from services.audit_link.handlers import sla  # noqa: E402
from shared.db import make_engine, make_session_factory  # noqa: E402
from shared.uow import UnitOfWork  # noqa: E402

NOW = datetime.fromisoformat("2026-06-15T10:00:00+08:00")
BASE = 1_000_000

LOAD_TICKETS = """
INSERT INTO audit_tickets (id, unit, period, reason, detail, state, raised_by, raised_at, due_at, version,
                           deadline_seq, updated_at)
SELECT gen_random_uuid(), 'QY-B' || (i % 40) || '-' || lpad((i % 997)::text, 3, '0'), NULL, 'manual',
       'bench ticket ' || i, 'issued', 'bench', d - interval '1 day', d, 1, 1, d - interval '1 day'
FROM (SELECT i, $2::timestamptz - ($3 * interval '365 days') + (i::float8 / $1) * interval '365 days' AS d
      FROM generate_series(1, $1) AS i) AS s
"""
LOAD_SLA = """
INSERT INTO audit_ticket_sla (ticket_seq, ticket_id, deadline_seq, due_at, escalation_level, next_escalation_at)
SELECT seq, id, deadline_seq, due_at, 0, due_at FROM audit_tickets ORDER BY seq
"""
BASELINE_SQL = ("SELECT s.*, t.unit, t.state FROM audit_ticket_sla AS s JOIN audit_tickets AS t ON t.seq = s.ticket_seq"
                " WHERE s.next_escalation_at < $1")


async def load(url: str, tickets: int, due_fraction: float) -> int:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute(LOAD_TICKETS, tickets, NOW, due_fraction)
        await conn.execute(LOAD_SLA)
        await conn.execute("VACUUM ANALYZE audit_tickets")
        await conn.execute("VACUUM ANALYZE audit_ticket_sla")
        return await conn.fetchval("SELECT count(*) FROM audit_ticket_sla WHERE next_escalation_at < $1", NOW)
    finally:
        await conn.close()


async def baseline(url: str) -> tuple[float, int]:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.fetch(BASELINE_SQL, NOW)  # warm
        started = time.perf_counter()
        rows = await conn.fetch(BASELINE_SQL, NOW)
        return time.perf_counter() - started, len(rows)
    finally:
        await conn.close()


async def scanner(url: str, batch: int, lanes: int) -> tuple[float, sla.ScanResult, sla.ScanResult, int]:
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(factory, lambda topic: topic)

        conn = await asyncpg.connect(dsn(url))
        try:  # warm the cache the way the baseline's first run does; start right after a checkpoint
            await conn.fetch(BASELINE_SQL, NOW)
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()
        started = time.perf_counter()
        first = await sla.scan(uow, NOW, batch=batch, lanes=lanes)
        elapsed = time.perf_counter() - started
        second = await sla.scan(uow, NOW, batch=batch, lanes=lanes)
        conn = await asyncpg.connect(dsn(url))
        try:
            outbox = await conn.fetchval("SELECT count(*) FROM m2c_outbox WHERE event_type = 'TicketEscalated'")
        finally:
            await conn.close()
        return elapsed, first, second, outbox
    finally:
        await engine.dispose()


async def run(server_url: str, args: argparse.Namespace) -> None:
    tickets = int(BASE * args.scale)
    scratch = ScratchDatabases(server_url)
    await asyncio.to_thread(scratch.create_template)
    try:
        started = time.perf_counter()
        loaded_url = await scratch.fresh()
        due = await load(loaded_url, tickets, args.due_fraction)
        print(f"loaded {tickets:,} open tickets ({due:,} due) in {time.perf_counter() - started:.1f} s", flush=True)
        # The loaded database becomes the template of each run's copy.
        copies = [await scratch.copy(loaded_url) for _ in range(args.repeat)]
        base_times, scan_times = [], []
        for url in copies:
            base_s, rows = await baseline(url)
            scan_s, first, second, outbox = await scanner(url, args.batch, args.lanes)
            base_times.append(base_s)
            scan_times.append(scan_s)
            print(f"  run: baseline {base_s * 1000:8.1f} ms ({rows:,} rows) | scanner {scan_s * 1000:8.1f} ms "
                  f"({first.escalated:,} escalated, {first.breaches:,} breaches; outbox {outbox:,}; "
                  f"second pass {second.escalated} escalated)", flush=True)
            if first.escalated != due or second.escalated != 0 or outbox != due:
                print("  CHECK FAILED: every due ticket must be escalated exactly once", flush=True)
        b, s = statistics.median(base_times), statistics.median(scan_times)
        print(f"\ntickets {tickets:,}  due {due:,}  batch {args.batch}  lanes {args.lanes}")
        print(f"baseline indexed SELECT : {b * 1000:9.1f} ms")
        print(f"scanner pass            : {s * 1000:9.1f} ms   ({due / s:,.0f} tickets/s)")
        print(f"ratio scanner/baseline  : {s / b:9.1f}x   target: scanner < 1000 ms -> "
              f"{'met' if s < 1.0 else 'NOT met'}")
    finally:
        await scratch.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="tickets = 1 000 000 × scale (default 1)")
    parser.add_argument("--due-fraction", type=float, default=0.01, help="share already past due (default 0.01)")
    parser.add_argument("--batch", type=int, default=1000, help="tickets per scanner transaction (default 1000)")
    parser.add_argument("--lanes", type=int, default=2, help="batches in flight at once (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs on fresh copies; the median is reported")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with postgres_server("sla") as url:
        asyncio.run(run(url, args))


if __name__ == "__main__":
    main()
