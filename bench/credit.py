"""Set-based credit recompute against one bare aggregate over the same bills table.

    python bench/credit.py [--scale N] [--repeat K]   # N customers × 12 monthly bills (default 1 000 000)

Data is generated in SQL (generate_series): N customers in 50 units, 12 bills each with a payment
pattern from a hash of the customer (most on time, some late, some unpaid; 0.1 % theft). Then K
times (default 3), each on a fresh copy of that database and a warm cache, two timings over the
same table; the medians are reported with their ratio:

bare       SELECT customer_no, count(*), sum(amount_due), sum(paid_amount), min(due_date)
           FROM alerts_credit_bills GROUP BY customer_no   (aggregated, not fetched)
recompute  the full re-grade of every customer (services/alerts/adapters/credit_sql.evaluate_all):
           metrics and score (one read-only statement, parallel workers allowed), forced grades,
           bars, one-up rule, customers updated, history rows, and CreditGradeChanged /
           ArrearsRiskDetected written to the outbox — one transaction.

M2C_BENCH_DATABASE_URL reuses a running PostgreSQL; otherwise an embedded one is started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _servers import ScratchDatabases, dsn, postgres_server  # noqa: E402  (bench/ is on sys.path as a script)

from services.alerts.adapters import credit_sql  # noqa: E402
from shared.db import make_engine, make_session_factory  # noqa: E402

AS_OF = date(2026, 11, 20)

GENERATE = """
INSERT INTO alerts_credit_customers (customer_no, unit, large, theft_on)
SELECT 'C' || i, 'QY-U' || lpad((i % 50)::text, 2, '0'), i % 97 = 0,
       CASE WHEN i % 1000 = 0 THEN DATE '2026-03-01' END
FROM generate_series(1, $1) i;
INSERT INTO alerts_credit_bills (customer_no, period, unit, amount_due, due_date, paid_amount, paid_on)
SELECT 'C' || i, to_char(d, 'YYYY-MM'), 'QY-U' || lpad((i % 50)::text, 2, '0'), 50 + (i % 400),
       (d + interval '24 days')::date,
       CASE WHEN h % 100 < 2 AND m >= 9 THEN 0 ELSE 50 + (i % 400) END,
       CASE WHEN h % 100 < 2 AND m >= 9 THEN NULL
            WHEN h % 100 < 15 THEN (d + interval '24 days' + (h % 20) * interval '1 day')::date
            ELSE (d + interval '20 days')::date END
FROM generate_series(1, $1) i,
     LATERAL (SELECT gs AS m, DATE '2025-11-01' + gs * interval '1 month' AS d,
                     abs(hashint4(i * 31 + gs)) AS h FROM generate_series(0, 11) gs) x;
"""
BARE = ("SELECT count(*), sum(n), sum(due), sum(paid) FROM (SELECT customer_no, count(*) n, sum(amount_due) due, "
        "sum(paid_amount) paid, min(due_date) first_due FROM alerts_credit_bills GROUP BY customer_no) x")


async def timed_bare(url: str) -> float:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.fetch(BARE)  # warm the cache
        started = time.perf_counter()
        await conn.fetch(BARE)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def timed_recompute(url: str) -> tuple[float, dict[str, int]]:
    conn = await asyncpg.connect(dsn(url))
    try:  # start right after a checkpoint: none lands mid-run unless the run's own WAL forces one
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        started = time.perf_counter()
        async with sessions() as s, s.begin():
            counts = await credit_sql.evaluate_all(s, as_of=AS_OF, now=datetime.now(UTC), topic="m2c.alerts.v1")
        return time.perf_counter() - started, counts
    finally:
        await engine.dispose()


async def run(server_url: str, scale: int, repeat: int) -> None:
    scratch = ScratchDatabases(server_url)
    await asyncio.to_thread(scratch.create_template)
    try:
        loaded_url = await scratch.fresh()
        conn = await asyncpg.connect(dsn(loaded_url))
        t = time.perf_counter()
        for stmt in GENERATE.strip().split(";\n"):
            if stmt.strip():
                await conn.execute(stmt, scale)
        await conn.execute("VACUUM ANALYZE alerts_credit_bills")
        await conn.execute("VACUUM ANALYZE alerts_credit_customers")
        await conn.close()
        print(f"generated {scale:,} customers × 12 bills in {time.perf_counter() - t:.1f} s", flush=True)
        bare_times, full_times = [], []
        for _ in range(repeat):  # each run on its own copy: the recompute changes every customer
            url = await scratch.copy(loaded_url)
            bare_times.append(await timed_bare(url))
            full_s, counts = await timed_recompute(url)
            full_times.append(full_s)
            print(f"  run: bare aggregate {bare_times[-1]:6.2f} s | full recompute {full_s:6.2f} s  {counts}",
                  flush=True)
            await scratch.drop(url)
        bare_s, full_s = statistics.median(bare_times), statistics.median(full_times)
        print(f"\ncustomers {scale:,}  bills {12 * scale:,}  runs {repeat} (medians)")
        print(f"bare aggregate : {bare_s:8.2f} s")
        print(f"full recompute : {full_s:8.2f} s")
        print(f"ratio          : {full_s / bare_s:8.1f}× the bare aggregate   target: recompute < 60 s at 1 000 000 -> "
              f"{'met' if full_s < 60 else 'NOT met'}")
    finally:
        await scratch.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000, help="customers (each with 12 bills)")
    parser.add_argument("--repeat", type=int, default=3, help="runs on fresh copies; the median is reported")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with postgres_server("credit") as url:
        asyncio.run(run(url, args.scale, args.repeat))


if __name__ == "__main__":
    main()
