"""Set-based credit recompute against one bare aggregate over the same bills table.

    python bench/credit.py [--scale N]      # N customers × 12 monthly bills (default 1 000 000)

Data is generated in SQL (generate_series): N customers in 50 units, 12 bills each with a payment
pattern from a hash of the customer (most on time, some late, some unpaid; 0.1 % theft). Then, on a
warm cache, two timings over the same table:

bare       SELECT customer_no, count(*), sum(amount_due), sum(paid_amount), min(due_date)
           FROM alerts_credit_bills GROUP BY customer_no   (aggregated, not fetched)
recompute  the full re-grade of every customer (services/alerts/adapters/credit_sql.evaluate_all):
           metrics, score, forced grades, bars, one-up rule, customers updated, history rows, and
           CreditGradeChanged / ArrearsRiskDetected written to the outbox — one transaction.

M2C_BENCH_DATABASE_URL reuses a running PostgreSQL; otherwise an embedded one is started.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _servers import dsn, postgres_server  # noqa: E402  (bench/ is on sys.path when run as a script)

from services.alerts.adapters import credit_sql  # noqa: E402
from shared.db import async_url, make_engine, make_session_factory  # noqa: E402
from shared.migration_state import upgrade  # noqa: E402

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


async def run(server_url: str, scale: int) -> None:
    db = f"m2c_bench_credit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn(server_url, "postgres"))
    await admin.execute(f"CREATE DATABASE {db}")
    try:
        await asyncio.to_thread(upgrade, dsn(server_url, db))
        conn = await asyncpg.connect(dsn(server_url, db))
        t = time.perf_counter()
        for stmt in GENERATE.strip().split(";\n"):
            if stmt.strip():
                await conn.execute(stmt, scale)
        await conn.execute("VACUUM ANALYZE alerts_credit_bills")
        await conn.execute("VACUUM ANALYZE alerts_credit_customers")
        print(f"generated {scale:,} customers × 12 bills in {time.perf_counter() - t:.1f} s", flush=True)
        await conn.fetch(BARE)  # warm the cache
        t = time.perf_counter()
        await conn.fetch(BARE)
        bare_s = time.perf_counter() - t
        await conn.close()

        engine = make_engine(async_url(dsn(server_url, db)))
        try:
            sessions = make_session_factory(engine)
            t = time.perf_counter()
            async with sessions() as s, s.begin():
                counts = await credit_sql.evaluate_all(s, as_of=AS_OF, now=datetime.now(UTC),
                                                       topic="m2c.alerts.v1")
            full_s = time.perf_counter() - t
        finally:
            await engine.dispose()
        print(f"bare aggregate : {bare_s:8.2f} s")
        print(f"full recompute : {full_s:8.2f} s   ({counts})")
        print(f"ratio          : {full_s / bare_s:8.1f}× the bare aggregate   (target: recompute < 60 s at 1 000 000)")
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000, help="customers (each with 12 bills)")
    args = parser.parse_args()
    with postgres_server("credit") as url:
        asyncio.run(run(url, args.scale))


if __name__ == "__main__":
    main()
