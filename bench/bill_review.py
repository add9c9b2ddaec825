"""Bill review before release against the PostgreSQL floor, on a real (embedded) PostgreSQL.

    python bench/bill_review.py [--bills 1000000] [--stations 500]

Generates two months of bills for `--bills` customers spread over `--stations` stations (20 per
county): the previous month (history, as the rules use it: kWh and multiplier of the customer's last
bill) and the month under review, with ~0.3 % anomalies spread over every rule. Then, in one run:

service   what POST /api/v1/review/{period}/bills and …/run do: the history file imported (not timed),
          then, timed, the month's file streamed in 1 MiB chunks, decoded as the route decodes uploads
          (UTF-8 or GBK; NUL and over-long lines refused), into COPY on a typed staging table,
          validated set-based (units, duplicates), replacing the units' bills in review_bills (one
          transaction), and a review run: every rule in one statement over the period's bills joined
          with the tariffs and the customers' previous bills, suspects upserted, one
          BillReviewCompleted per unit into the outbox (one transaction).
floor     plain PostgreSQL: COPY of the same month's file into an unlogged table of the same column
          types, and one join with the previous month (loaded untimed the same way) counting the bills
          whose kWh differs from the previous month's. Also shown: the same into a logged table with a
          primary key (a "durable floor": the service must keep the bills, crash-safe, unique per period).

Prints both times, the ratio service/floor (target ≤ 1.5) and this process's peak RSS (target
≤ 500 MB: files are streamed, never held in memory). M2C_BENCH_DATABASE_URL reuses a server.

On a shared machine wall times swing with the other jobs' load, so the CPU seconds the PostgreSQL server
spent on each side (the postmaster and all its processes, WAL writer and checkpointer included; Linux
/proc, a local server only) are printed too, with their ratio: that one barely moves with the load.
Each timed part starts after a CHECKPOINT, so no side pays for another's (or the untimed loading's)
dirty pages; a part's own WAL and checkpoints are its own. The service's history is vacuumed first (as
autovacuum would have done to last month's bills), else its first read would write every page again
(hint bits, with data checksums on) — the floor's history is unlogged and ANALYZEd, which needs no such.
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
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
from _servers import ScratchDatabases, dsn, postgres_server

from services.bill_review.domain import bill_file
from services.bill_review.handlers import review
from services.scoring.domain.org_units import OrgUnit
from services.scoring.handlers.facts import UpsertOrgUnits, upsert_org_units
from shared.runtime import Runtime
from shared.settings import Settings
from shared.text_decoding import TextDecoder, decoded

PERIOD, PREVIOUS = "2026-10", "2026-09"
NOW = datetime(2026, 11, 5, tzinfo=UTC)
ANOMALY_SHARE = 0.003
PRICES = {"R1": ("resident", Decimal("0.5883")), "C1": ("commercial", Decimal("0.7027")),
          "I1": ("industrial", Decimal("0.6612"))}
COLUMNS = ("unit", "bill_id", "customer_no", "category", "tariff_code", "multiplier", "prev_reading", "curr_reading",
           "kwh", "amount", "kwh_peak", "kwh_flat", "kwh_valley", "meter_changed")
ANOMALIES = ("reading_reversed", "kwh_mismatch", "tou_sum", "zero_kwh", "surge", "drop", "tariff_category",
             "amount_mismatch", "multiplier_changed")
_CHUNK = 1 << 20


def postmaster_pid(backend_pid: int) -> int | None:
    try:
        status = Path(f"/proc/{backend_pid}/status").read_text()
    except OSError:  # not Linux, or not a local server
        return None
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def server_cpu_s(postmaster: int | None) -> float:
    """CPU seconds the server used so far: the postmaster, its live processes, and (in the postmaster's
    children times) the ones that exited. NaN when the server is not a local Linux process."""
    if postmaster is None:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


async def settle(url: str, vacuum: str | None = None) -> None:
    """A checkpoint before a timed part, so that it neither pays for the untimed loading's dirty pages nor
    leaves its own to the next side's clock. Skipped where the role may not checkpoint (a reused server).
    `vacuum`: a table vacuumed first, as autovacuum would have done to last month's bills long ago."""
    conn = await asyncpg.connect(dsn(url))
    try:
        if vacuum:
            await conn.execute(f"VACUUM {vacuum}")
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass
    finally:
        await conn.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stations(n: int) -> list[str]:
    return [f"GD-C{i // 20:03d}-{i % 20:02d}" for i in range(n)]


def org_units(codes: list[str]) -> list[OrgUnit]:
    counties = sorted({c.rsplit("-", 1)[0] for c in codes})
    return ([OrgUnit("GD", "省公司", "city", None)] + [OrgUnit(c, f"县区局{c}", "county", "GD") for c in counties]
            + [OrgUnit(s, f"供电所{s}", "station", s.rsplit("-", 1)[0]) for s in codes])


def generate(path: Path, period: str, n: int, codes: list[str], seed: int, anomalies: bool) -> int:
    """One month's bill file; returns how many bills were made anomalous."""
    rnd = random.Random(seed)
    made = 0
    with path.open("w", buffering=1 << 20) as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(n):
            code = "R1" if i % 10 < 8 else "C1" if i % 10 == 8 else "I1"
            category, price = PRICES[code]
            kwh = Decimal(100 + (i * 7919) % 400 + seed)  # the same customer, a little more each month
            prev = Decimal(10_000 + i % 5000)
            curr, mult, meter_changed = prev + kwh, 1, "f"
            peak: Decimal | str = ""  # empty: no time-of-use split
            flat: Decimal | str = ""
            valley: Decimal | str = ""
            if i % 3 == 0:
                peak, flat, valley = kwh * Decimal("0.3"), kwh * Decimal("0.5"), kwh * Decimal("0.2")
            amount = (kwh * price).quantize(Decimal("0.01"))
            if anomalies and rnd.random() < ANOMALY_SHARE:
                made += 1
                rule = ANOMALIES[made % len(ANOMALIES)]
                if rule == "reading_reversed":
                    curr, kwh, amount = prev - 5, Decimal(0), Decimal(0)
                elif rule == "kwh_mismatch":
                    kwh += 10
                    amount = (kwh * price).quantize(Decimal("0.01"))
                elif rule == "tou_sum" and isinstance(valley, Decimal):
                    valley += 5
                elif rule == "zero_kwh":
                    curr, kwh, amount, peak, flat, valley = prev, Decimal(0), Decimal(0), "", "", ""
                elif rule == "surge":
                    kwh *= 5
                    curr, amount, peak, flat, valley = prev + kwh, (kwh * price).quantize(Decimal("0.01")), "", "", ""
                elif rule == "drop":
                    kwh = Decimal(10)
                    curr, amount, peak, flat, valley = prev + kwh, (kwh * price).quantize(Decimal("0.01")), "", "", ""
                elif rule == "tariff_category":
                    category = "agricultural"
                elif rule == "amount_mismatch":
                    amount += 30
                elif rule == "multiplier_changed":
                    mult = 2
                    curr = prev + kwh / 2
            f.write(f"{codes[i % len(codes)]},{period}-{i},C{i:08d},{category},{code},{mult},{prev},{curr},{kwh},"
                    f"{amount},{peak},{flat},{valley},{meter_changed}\n")
    return made


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, _CHUNK):
            yield chunk


def uploaded(path: Path, settings: Settings) -> AsyncIterator[bytes]:
    """The file as the route hands it on: decoded (UTF-8 or GBK), NUL and over-long lines refused."""
    return decoded(file_chunks(path), TextDecoder(None, max_line_bytes=settings.import_max_line_bytes))


async def service(url: str, history: Path, month: Path, codes: list[str],
                  postmaster: int | None) -> tuple[float, float, float, float, dict]:
    settings = Settings(database_url=url, jwt_secret="bench-secret-0123456789-0123456789", _env_file=None)
    runtime = await Runtime.open(settings)
    try:
        async with runtime.uow() as uow:
            await upsert_org_units(UpsertOrgUnits(org_units(codes), NOW), uow)
        async with runtime.uow() as uow:
            await review.import_bills(PREVIOUS, "csv", uploaded(history, settings), uow, NOW, "bench",
                                      lambda _: True)
        await settle(url, vacuum="review_bills")
        cpu = server_cpu_s(postmaster)
        started = time.perf_counter()
        async with runtime.uow() as uow:
            imported = await review.import_bills(PERIOD, "csv", uploaded(month, settings), uow, NOW, "bench",
                                                 lambda _: True)
        import_s = time.perf_counter() - started
        import_cpu = server_cpu_s(postmaster) - cpu
        print(f"  imported {imported['bills']:,d} bills of {len(imported['units'])} units in {import_s:.2f} s",
              file=sys.stderr)
        started = time.perf_counter()
        async with runtime.uow() as uow:
            result, _ = await review.run_review(PERIOD, uow, NOW, "bench", None, lambda _: True)
        run_s = time.perf_counter() - started
        return import_s, run_s, import_cpu, server_cpu_s(postmaster) - cpu - import_cpu, result
    finally:
        await runtime.close()


async def floor(url: str, history: Path, month: Path, postmaster: int | None, *,
                durable: bool = False) -> tuple[float, float, float]:
    """COPY + one join; `durable`: into a logged table with the bills' primary key, as the service must keep them."""
    types = ", ".join(f"{c} {bill_file.BY_NAME[c].sql_type}" for c in COLUMNS)
    kind = "" if durable else "UNLOGGED"
    key = ", PRIMARY KEY (bill_id)" if durable else ""
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute(f"CREATE {kind} TABLE floor_prev ({types}{key})")
        await conn.copy_to_table("floor_prev", source=history, format="csv", header=True)
        await conn.execute("ANALYZE floor_prev")
        await settle(url)
        cpu = server_cpu_s(postmaster)
        started = time.perf_counter()
        await conn.execute(f"CREATE {kind} TABLE floor_bills ({types}{key})")
        await conn.copy_to_table("floor_bills", source=month, format="csv", header=True)
        copy_cpu = server_cpu_s(postmaster) - cpu
        await conn.fetchval("SELECT count(*) FROM floor_bills b JOIN floor_prev p ON p.customer_no = b.customer_no"
                            " WHERE b.kwh <> p.kwh")
        return time.perf_counter() - started, server_cpu_s(postmaster) - cpu, copy_cpu
    finally:
        await conn.close()


async def main(args: argparse.Namespace, server_url: str) -> None:
    codes = stations(args.stations)
    with tempfile.TemporaryDirectory(prefix="m2c-bench-review-") as tmp:
        t0 = time.perf_counter()
        history, month = Path(tmp) / "history.csv", Path(tmp) / "month.csv"
        generate(history, PREVIOUS, args.bills, codes, seed=1, anomalies=False)
        made = generate(month, PERIOD, args.bills, codes, seed=2, anomalies=True)
        print(f"generated 2 × {args.bills:,d} bills ({month.stat().st_size / 1e6:.0f} MB a month), {made:,d} anomalous,"
              f" {args.stations} stations in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        dbs = ScratchDatabases(server_url)
        await asyncio.to_thread(dbs.create_template)
        try:
            probe = await asyncpg.connect(dsn(server_url))
            postmaster = postmaster_pid(await probe.fetchval("SELECT pg_backend_pid()"))
            await probe.close()
            rss_before = rss_mb()
            import_s, run_s, import_cpu, run_cpu, result = await service(await dbs.fresh(), history, month, codes,
                                                                         postmaster)
            rss_after = rss_mb()
            floor_s, floor_cpu, floor_copy_cpu = await floor(await dbs.fresh(), history, month, postmaster)
            durable_s, durable_cpu, durable_copy_cpu = await floor(await dbs.fresh(), history, month, postmaster,
                                                                   durable=True)
        finally:
            await dbs.drop_all()
    total, service_cpu = import_s + run_s, import_cpu + run_cpu
    print(f"{args.bills:,d} bills a month, {args.stations} stations; {made:,d} anomalies generated")
    print(f"run: {result['suspects']:,d} suspects on {result['bills']:,d} bills; by rule {result['by_rule']}")
    print(f"service import      {import_s:8.2f} s  ({args.bills / import_s:,.0f} bills/s)")
    print(f"service run         {run_s:8.2f} s  ({args.bills / run_s:,.0f} bills/s)")
    print(f"floor COPY+join     {floor_s:8.2f} s")
    print(f"floor, durable      {durable_s:8.2f} s  (logged table with a primary key, as the bills are kept)")
    print(f"ratio (import+run)/floor {total / floor_s:6.2f}   target ≤ 1.5;  /durable floor {total / durable_s:.2f}")
    print(f"server CPU          service {service_cpu:.2f} s, floor {floor_cpu:.2f} s, durable {durable_cpu:.2f} s;"
          f"  ratio {service_cpu / floor_cpu:.2f}, /durable {service_cpu / durable_cpu:.2f}")
    print(f"  per phase         import {import_cpu:.2f} s + run {run_cpu:.2f} s;  floor COPY {floor_copy_cpu:.2f} s"
          f" + join {floor_cpu - floor_copy_cpu:.2f} s;  durable COPY {durable_copy_cpu:.2f} s"
          f" + join {durable_cpu - durable_copy_cpu:.2f} s")
    print(f"peak RSS            {rss_after:8.1f} MB (before import {rss_before:.1f} MB)   target ≤ 500 MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bills", type=int, default=1_000_000, help="bills a month (one per customer)")
    parser.add_argument("--stations", type=int, default=500)
    args = parser.parse_args()
    reused = os.environ.get("M2C_BENCH_DATABASE_URL")
    with postgres_server("review") as url:
        asyncio.run(main(args, reused or url))
