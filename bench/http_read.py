"""HTTP reads under concurrent load: m2c's list endpoints against a bare FastAPI endpoint that
returns the very same body, both measured in the same run.

    python bench/http_read.py [--clients 20] [--seconds 10] [--rows 200] [--rounds 4] [--only rankings …]

With M2C_BENCH_PROFILE=FILE the m2c server runs under cProfile and writes its stats to FILE.

Each side is one uvicorn process (bench/_http_server.py) on 127.0.0.1; the load comes from this
process: `--clients` concurrent keep-alive clients asking the same URL back to back for `--seconds`
per side, in `--rounds` alternating turns (m2c, bare, bare, m2c, …) so that the machine's changing
load falls on both sides alike.
m2c is seeded through its own API: `--rows` grave errors (each raises an alert through the
in-process backbone) and `--rows` tickets; the lists are read `limit=rows`. The rankings
(GET /api/v1/scores?period=) read a published scoring run: a city, COUNTIES counties of
STATIONS_PER_COUNTY stations each, every station's counters PUT through the API, the period scored
with the default scheme. Reported per endpoint: p50/p99 and requests/s of both sides, and the p99
ratio m2c/bare (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import results
from _servers import ScratchDatabases, postgres_server, seed_org_units

from shared.embedded_pg import free_port
from shared.testing.plugin import token

HERE = Path(__file__).parent
ADMIN = token("admin")
CS = token("customer_service", subject="bench")
# Not the errors' period (2026-10): their counters would ask for a re-score in the middle of the reads.
PERIOD = "2026-09"
COUNTIES = {"QY-QC": "清城区供电局", "QY-QX": "清新区供电局", "QY-YD": "英德市供电局", "QY-LZ": "连州市供电局"}
STATIONS_PER_COUNTY = 20
ORG = ([{"code": "QY", "name": "清远供电局", "level": "city"}]
       + [{"code": c, "name": name, "level": "county", "parent": "QY"} for c, name in COUNTIES.items()]
       + [{"code": f"{c}-{i:02d}", "name": f"{name[:2]}供电所{i}", "level": "station", "parent": c}
          for c, name in COUNTIES.items() for i in range(1, STATIONS_PER_COUNTY + 1)])


def serve(kind: str, arg: str, logs: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(logs / f"{kind}.log", "w")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen([sys.executable, str(HERE / "_http_server.py"), kind, str(port), arg],
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


async def up(base: str, path: str = "/healthz") -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(600):  # at most 60 s
            try:
                if (await http.get(base + path)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not come up")


async def seed(base: str, rows: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for i in range(rows):
            unit = f"QY-QC-{i % 10 + 1:02d}"
            r = await http.post("/api/v1/errors", headers=ADMIN, json={
                "unit": unit, "period": "2026-10", "category": "reading", "nature": "fraud",
                "amount": "-250000.00", "description": f"窃电 {i}", "customer_no": f"03{i:08d}"})
            r.raise_for_status()
            r = await http.post("/api/v1/tickets", headers=CS, json={
                "unit": unit, "period": f"{2020 + i // 120}-{i // 10 % 12 + 1:02d}", "reason": "low_score",
                "detail": f"得分 {60 + i % 30} 分"})
            r.raise_for_status()
        await seed_scores(http)
        for _ in range(600):
            got = (await http.get(f"/api/v1/alerts?limit={rows}", headers=ADMIN)).json()["items"]
            if len(got) >= rows:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the alerts did not all arrive")


def counters(i: int) -> dict[str, int]:
    """A station's month, varied so that scores (and ranks) differ."""
    return {"readings_planned": 10000, "readings_done": 9900 + i % 100, "uploads_overdue": i % 7,
            "one_stop_due": 1000, "one_stop_done": 900 + i % 100, "bills_issued": 20000, "bills_erroneous": i % 11,
            "anomalies_overdue": i % 5, "receivable_rollbacks": i % 3, "recon_due": 100, "recon_done": 95 + i % 6,
            "writeoffs_next_day": i % 2}


async def seed_scores(http: httpx.AsyncClient) -> None:
    stations = [u["code"] for u in ORG if u["level"] == "station"]
    r = await http.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={
        "batch_id": "bench-1", "rows": [{"unit": u, "counters": counters(i)} for i, u in enumerate(stations)]})
    r.raise_for_status()
    r = await http.post(f"/api/v1/periods/{PERIOD}/score", headers=ADMIN)
    r.raise_for_status()


async def load(url: str, headers: dict[str, str], clients: int, seconds: float) -> tuple[list[float], float]:
    """`clients` keep-alive clients asking `url` back to back for `seconds`: their latencies and the time taken."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await http.get(url, headers=headers)  # warm-up
        end = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < end:
                t = time.perf_counter()
                r = await http.get(url, headers=headers)
                latencies.append(time.perf_counter() - t)
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return latencies, time.perf_counter() - started


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc: the server's cost per request
    does not move with the machine's load the way latencies do."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def interleaved(targets: dict[str, tuple[str, dict[str, str], int]], clients: int, seconds: float,
                      rounds: int) -> dict[str, tuple[list[float], float, float, float]]:
    """Each side's latencies, requests/s, server CPU seconds and seconds taken over `rounds` alternating turns
    of seconds/rounds each (m2c first, then bare first, …): the machine's load moves during a run
    (other processes share its cores), and alternating spreads that over both sides instead of
    charging it to one."""
    got: dict[str, tuple[list[float], float, float]] = {side: ([], 0.0, 0.0) for side in targets}  # latencies, s, cpu s
    for r in range(rounds):
        order = list(targets.items())
        for side, (url, headers, pid) in (order if r % 2 == 0 else order[::-1]):
            cpu = cpu_s(pid)
            latencies, elapsed = await load(url, headers, clients, seconds / rounds)
            so_far = got[side]
            got[side] = (so_far[0] + latencies, so_far[1] + elapsed, so_far[2] + cpu_s(pid) - cpu)
    return {side: (latencies, len(latencies) / elapsed, cpu, elapsed)
            for side, (latencies, elapsed, cpu) in got.items()}


async def settled(url: str) -> None:
    """Wait until the seeding's events are all relayed and consumed: no background work measured with the reads."""
    import asyncpg
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for _ in range(600):
            pending = await conn.fetchval("SELECT count(*) FROM m2c_outbox WHERE published_at IS NULL")
            if pending == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    await asyncio.sleep(2.0)  # consumers finish what the relay handed them


async def alerts_digest_cost(url: str, rows: int, n: int = 50) -> tuple[float, float]:
    """The alert list's two statements alone, median ms over `n` each (one client, nothing else
    running): the digest that names a stored body (paid by every request) and the list query that
    builds it (paid on a change only). Alerts change often, so the digest must stay cheap."""
    from services.alerts.adapters import repository
    from shared.db import make_engine, make_session_factory

    engine = make_engine(url)
    query: dict[str, Any] = {"state": None, "severity": None, "unit": None, "scope": None, "after": None,
                             "limit": rows + 1}
    try:
        async with make_session_factory(engine)() as session:
            times: dict[str, list[float]] = {"digest": [], "list": []}
            for _ in range(n):
                for name in times:
                    t = time.perf_counter()
                    if name == "digest":
                        await repository.list_fingerprint(session, [], **query)
                    else:
                        await repository.list_alerts(session, active=[], **query)
                    times[name].append((time.perf_counter() - t) * 1000)
            await session.rollback()
    finally:
        await engine.dispose()
    return statistics.median(times["digest"]), statistics.median(times["list"])


def p(values: Sequence[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] * 1000


async def measure(url: str, rows: int, clients: int, seconds: float, rounds: int, logs: Path,
                  only: Sequence[str] = ()) -> list[dict]:
    m2c, m2c_base = serve("m2c", url, logs)
    bare = None
    try:
        await up(m2c_base)
        await seed(m2c_base, rows)
        paths = {"rankings": f"/api/v1/scores?period={PERIOD}", "tickets": f"/api/v1/tickets?limit={rows}",
                 "alerts": f"/api/v1/alerts?limit={rows}"}
        bodies = {}
        async with httpx.AsyncClient(base_url=m2c_base, timeout=30) as http:
            for path in paths.values():
                bodies[path.split("?")[0]] = (await http.get(path, headers=ADMIN)).text
        (logs / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
        bare, bare_base = serve("bare", str(logs / "bodies.json"), logs)
        await up(bare_base, paths["tickets"].split("?")[0])
        await settled(url)
        digest_ms, list_ms = await alerts_digest_cost(url, rows)
        idle_from, idle_cpu = time.perf_counter(), cpu_s(m2c.pid)
        await asyncio.sleep(3.0)
        idle = (cpu_s(m2c.pid) - idle_cpu) * 1000 / (time.perf_counter() - idle_from)
        out = []
        for name, path in paths.items():
            if only and name not in only:
                continue
            sides = {"m2c": (m2c_base + path, ADMIN, m2c.pid), "bare": (bare_base + path, {}, bare.pid)}
            got = await interleaved(sides, clients, seconds, rounds)
            (ours, our_rate, our_cpu, our_s), (theirs, their_rate, their_cpu, _) = got["m2c"], got["bare"]
            # m2c's CPU per request without its background work (as measured idle): the reads' own cost
            our_cpu = (our_cpu - idle / 1000 * our_s) * 1000 / len(ours)
            their_cpu = their_cpu * 1000 / len(theirs)
            out.append({"endpoint": name, "path": path, "bytes": len(bodies[path.split("?")[0]].encode()),
                        "m2c_p50": p(ours, 0.5), "m2c_p99": p(ours, 0.99), "m2c_rps": our_rate, "m2c_cpu_ms": our_cpu,
                        "bare_p50": p(theirs, 0.5), "bare_p99": p(theirs, 0.99), "bare_rps": their_rate,
                        "bare_cpu_ms": their_cpu, "m2c_idle_cpu_ms_per_s": idle,
                        "digest_ms": digest_ms, "list_ms": list_ms})
        return out
    finally:
        for proc in (m2c, bare):
            if proc is not None:
                proc.terminate()
                proc.wait(15)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4, help="alternating turns per side (default 4)")
    ap.add_argument("--only", action="append", choices=("rankings", "tickets", "alerts"), default=[],
                    help="measure this endpoint only (repeatable; default: all three)")
    a = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    with postgres_server("http") as server, tempfile.TemporaryDirectory(prefix="m2c-bench-http-") as tmp:
        dbs = ScratchDatabases(server)
        try:
            dbs.create_template()

            async def go() -> list[dict]:
                url = await dbs.fresh()
                await seed_org_units(url, ORG)
                return await measure(url, a.rows, a.clients, a.seconds, a.rounds, Path(tmp), a.only)

            rows = asyncio.run(go())
        finally:
            asyncio.run(dbs.drop_all())
    print(f"HTTP reads: {a.clients} concurrent clients, {a.seconds:g} s per side, lists of {a.rows}; "
          f"{len(os.sched_getaffinity(0))} cores, load {os.getloadavg()[0]:.2f}")
    print(f"{'endpoint':<9} {'bytes':>7} {'m2c p50':>8} {'m2c p99':>8} {'m2c r/s':>8} {'m2c cpu':>8} "
          f"{'bare p50':>9} {'bare p99':>9} {'bare r/s':>9} {'bare cpu':>9} {'p99 ratio':>9}")
    for r in rows:
        ratio = r["m2c_p99"] / r["bare_p99"]
        print(f"{r['endpoint']:<9} {r['bytes']:>7} {r['m2c_p50']:>8.0f} {r['m2c_p99']:>8.0f} {r['m2c_rps']:>8.0f} "
              f"{r['m2c_cpu_ms']:>8.1f} {r['bare_p50']:>9.0f} {r['bare_p99']:>9.0f} {r['bare_rps']:>9.0f} "
              f"{r['bare_cpu_ms']:>9.1f} {ratio:>9.2f}")
        results.record(f"http_read_{r['endpoint']}_p99", figure=f"GET {r['path'].split('?')[0]} p99 ({r['bytes']} B)",
                       value=round(r["m2c_p99"], 1), unit="ms", baseline=round(r["bare_p99"], 1), ratio=ratio,
                       target="ratio <= 1.5", passed=ratio <= 1.5,
                       scale=f"{a.clients} clients, {a.seconds:g} s in {a.rounds} alternating turns, {a.rows} rows",
                       note=f"throughput {r['m2c_rps']:.0f} vs {r['bare_rps']:.0f} req/s; server CPU "
                            f"{r['m2c_cpu_ms']:.1f} vs {r['bare_cpu_ms']:.1f} ms per request")
    print(f"alerts list of {a.rows}: PostgreSQL's digest {rows[0]['digest_ms']:.2f} ms (every request) vs the list "
          f"query {rows[0]['list_ms']:.2f} ms (on a change), medians, one client, idle server")
    print("ms; cpu = the server process's CPU time per request (user + system), m2c's less its background "
          f"work (relay, consumers, workers: {rows[0]['m2c_idle_cpu_ms_per_s']:.0f} ms CPU/s when idle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
