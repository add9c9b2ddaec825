"""Raw-record ingest of scoring against the PostgreSQL floor, on a real (embedded) PostgreSQL.

    python bench/scoring_ingest.py [--scale 0.1] [--stations 1500]

Generates a large province's month of raw records: 5 000 000 × scale meter-reading tasks, bills
(0.95 per task), reconciliation tasks (0.02), anomalies (0.01) and ledger operations (0.004), spread
over `--stations` stations (20 per county), as CSV files. Then:

service   the bulk path m2c uses for `m2c import` and POST /facts/{period}/records/{kind}: the file
          streamed in 1 MiB chunks into COPY on a typed staging table, one GROUP BY per file with
          the validation folded in, counters upserted, one transaction per file; then the period
          is scored (every station and county, one revision, ScoresPublished to the outbox).
floor     plain PostgreSQL: COPY of the same files into unlogged tables of the same column types,
          plus one GROUP BY per table computing the same counters.

Prints both times, the ratio service/floor (target ≤ 1.5) and this process's peak RSS (target
< 500 MB: files are streamed, never held in memory). M2C_BENCH_DATABASE_URL reuses a server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from _servers import ScratchDatabases, dsn

from services.scoring.adapters.raw_ingest import COUNTER_SQL
from services.scoring.domain.org_units import OrgUnit
from services.scoring.domain.raw_records import KINDS
from services.scoring.entrypoints.cli import file_chunks
from services.scoring.handlers import facts, scores
from shared.embedded_pg import EmbeddedPostgres, free_port
from shared.runtime import Runtime
from shared.settings import Settings

PERIOD = "2026-10"
FULL_READINGS = 5_000_000
SHARES = {"readings": 1.0, "bills": 0.95, "reconciliations": 0.02, "anomalies": 0.01, "ledger": 0.004}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stations(n: int) -> list[str]:
    return [f"GD-C{i // 20:03d}-{i % 20:02d}" for i in range(n)]


def org_units(codes: list[str]) -> list[OrgUnit]:
    counties = sorted({c.rsplit("-", 1)[0] for c in codes})
    return ([OrgUnit("GD", "省公司", "city", None)] + [OrgUnit(c, f"县区局{c}", "county", "GD") for c in counties]
            + [OrgUnit(s, f"供电所{s}", "station", s.rsplit("-", 1)[0]) for s in codes])


def generate(directory: Path, readings: int, codes: list[str]) -> dict[str, Path]:
    rnd = random.Random(7)
    days = [date(2026, 10, d).isoformat() for d in range(1, 32)]
    out = {}
    for kind, share in SHARES.items():
        n = max(1, int(readings * share))
        path = directory / f"{kind}.csv"
        with path.open("w", buffering=1 << 20) as f:
            f.write(",".join(c.name for c in KINDS[kind].columns) + "\n")
            for i in range(n):
                unit, day = codes[i % len(codes)], days[i % 31]
                r = rnd.random()
                if kind == "readings":
                    late = 0 if r < 0.97 else 1 if r < 0.995 else 4
                    up = "" if r > 0.998 else f"{day}T{10 + late}:00:00+08:00".replace(
                        f"{day}T", (date.fromisoformat(day) + timedelta(days=late)).isoformat() + "T")
                    f.write(f"{unit},r{i},{day},{up},{'t' if r < 0.01 else 'f'},{'t' if r < 0.3 else 'f'},"
                            f"{'t' if r < 0.28 else 'f'}\n")
                elif kind == "bills":
                    f.write(f"{unit},b{i},{day}\n")
                elif kind == "reconciliations":
                    f.write(f"{unit},t{i},{day},{day if r < 0.97 else ''}\n")
                elif kind == "anomalies":
                    f.write(f"{unit},a{i},{day},{day if r < 0.9 else ''}\n")
                else:
                    op = "payment_reversal" if r < 0.7 else "receivable_rollback"
                    rev = f"{day}T{'23' if r < 0.5 else '09'}:30:00+08:00"
                    f.write(f"{unit},l{i},{op},{day}T08:00:00+08:00,{rev},t\n")
        out[kind] = path
    return out


async def service(url: str, files: dict[str, Path], codes: list[str]) -> tuple[float, float]:
    settings = Settings(database_url=url, jwt_secret="bench-secret-0123456789-0123456789", _env_file=None)
    runtime = await Runtime.open(settings)
    try:
        now = datetime.now(UTC)
        async with runtime.uow() as uow:
            await facts.upsert_org_units(facts.UpsertOrgUnits(org_units(codes), now), uow)
        started = time.perf_counter()
        for kind, path in files.items():
            async with runtime.uow() as uow:
                result = await facts.import_records(
                    facts.ImportRecords(kind, PERIOD, "csv", file_chunks(path), now), uow)
            print(f"  {kind:16s} {result.rows:>10,d} rows  {result.units:>5d} units", file=sys.stderr)
        ingested = time.perf_counter()
        async with runtime.uow() as uow:
            run = await scores.score_period(scores.ScorePeriod(PERIOD, "bench", now), uow)
        scored = time.perf_counter()
        print(f"  scored revision {run.revision}: {len(run.rows)} units", file=sys.stderr)
        return ingested - started, scored - ingested
    finally:
        await runtime.close()


async def floor(url: str, files: dict[str, Path]) -> float:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute("SET TIME ZONE 'Asia/Shanghai'")
        started = time.perf_counter()
        for kind, path in files.items():
            cols = ", ".join(f"{c.name} {c.sql_type}" for c in KINDS[kind].columns)
            await conn.execute(f"CREATE UNLOGGED TABLE floor_{kind} ({cols})")
            await conn.copy_to_table(f"floor_{kind}", source=path, format="csv", header=True)
            exprs = ", ".join(f"{e} AS {n}" for n, e in COUNTER_SQL[kind].items())
            await conn.fetch(f"SELECT unit, {exprs} FROM floor_{kind} GROUP BY unit")
        return time.perf_counter() - started
    finally:
        await conn.close()


async def main(args: argparse.Namespace, server_url: str) -> None:
    readings = int(FULL_READINGS * args.scale)
    codes = stations(args.stations)
    with tempfile.TemporaryDirectory(prefix="m2c-bench-scoring-") as tmp:
        t0 = time.perf_counter()
        files = generate(Path(tmp), readings, codes)
        size = sum(p.stat().st_size for p in files.values()) / 1e6
        print(f"generated {readings:,d} reading tasks (+ proportional kinds), {size:.0f} MB of CSV, "
              f"{args.stations} stations in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        dbs = ScratchDatabases(server_url)
        await asyncio.to_thread(dbs.create_template)
        try:
            rss_before = rss_mb()
            ingest_s, score_s = await service(await dbs.fresh(), files, codes)
            rss_after = rss_mb()
            floor_s = await floor(await dbs.fresh(), files)
        finally:
            await dbs.drop_all()
    print(f"scale {args.scale} ({readings:,d} reading tasks, {args.stations} stations)")
    print(f"service ingest      {ingest_s:8.2f} s  ({readings / ingest_s:,.0f} reading tasks/s)")
    print(f"service score       {score_s:8.2f} s")
    print(f"floor COPY+GROUP BY {floor_s:8.2f} s")
    print(f"ratio ingest/floor  {ingest_s / floor_s:8.2f}   (ingest+score)/floor {(ingest_s + score_s) / floor_s:.2f}"
          "   target ≤ 1.5")
    print(f"peak RSS            {rss_after:8.1f} MB (before ingest {rss_before:.1f} MB)   target < 500 MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of 5 000 000 reading tasks")
    parser.add_argument("--stations", type=int, default=1500)
    args = parser.parse_args()
    reused = os.environ.get("M2C_BENCH_DATABASE_URL")
    if reused:
        asyncio.run(main(args, reused))
    else:
        with tempfile.TemporaryDirectory(prefix="m2c-bench-pg-") as tmp:
            pg = EmbeddedPostgres(Path(tmp) / "pg", free_port())
            try:
                url = pg.start(tuned_for_tests=False)
                asyncio.run(main(args, url))
            finally:
                pg.stop()
