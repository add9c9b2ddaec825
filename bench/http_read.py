"""HTTP reads under concurrent load: m2c's list endpoints against a bare FastAPI endpoint that
returns the very same body, both measured in the same run.

    python bench/http_read.py [--clients 20] [--seconds 10] [--rows 200]

Each side is one uvicorn process (bench/_http_server.py) on 127.0.0.1; the load comes from this
process: `--clients` concurrent keep-alive clients asking the same URL back to back for `--seconds`.
m2c is seeded through its own API: `--rows` grave errors (each raises an alert through the
in-process backbone) and `--rows` tickets; the lists are read `limit=rows`. Reported per endpoint:
p50/p99 and requests/s of both sides, and the p99 ratio m2c/bare (target ≤ 1.5).

Not measured here: the rankings (GET /api/v1/scores?period=), which need a published scoring run
(scheme, org tree, counters); see bench/scoring_ingest.py for that data.
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

import httpx
import results
from _servers import ScratchDatabases, postgres_server

from shared.embedded_pg import free_port
from shared.testing.plugin import token

HERE = Path(__file__).parent
ADMIN = token("admin")
CS = token("customer_service", subject="bench")
ORG = ([{"code": "QY", "name": "清远供电局", "level": "city"},
        {"code": "QY-QC", "name": "清城区供电局", "level": "county", "parent": "QY"}]
       + [{"code": f"QY-QC-{i:02d}", "name": f"供电所{i}", "level": "station", "parent": "QY-QC"}
          for i in range(1, 11)])


async def seed_org(url: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.executemany(
            "INSERT INTO scoring_org_units (code, name, level, parent, area_type, updated_at)"
            " VALUES ($1, $2, $3, $4, 'urban', now()) ON CONFLICT (code) DO NOTHING",
            [(u["code"], u["name"], u["level"], u.get("parent")) for u in ORG])
    finally:
        await conn.close()


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
        for _ in range(600):
            got = (await http.get(f"/api/v1/alerts?limit={rows}", headers=ADMIN)).json()["items"]
            if len(got) >= rows:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the alerts did not all arrive")


async def load(url: str, headers: dict[str, str], clients: int, seconds: float) -> tuple[list[float], float]:
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
        return latencies, len(latencies) / (time.perf_counter() - started)


def p(values: Sequence[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] * 1000


async def measure(url: str, rows: int, clients: int, seconds: float, logs: Path) -> list[dict]:
    m2c, m2c_base = serve("m2c", url, logs)
    bare = None
    try:
        await up(m2c_base)
        await seed(m2c_base, rows)
        paths = {"tickets": f"/api/v1/tickets?limit={rows}", "alerts": f"/api/v1/alerts?limit={rows}"}
        bodies = {}
        async with httpx.AsyncClient(base_url=m2c_base, timeout=30) as http:
            for path in paths.values():
                bodies[path.split("?")[0]] = (await http.get(path, headers=ADMIN)).text
        (logs / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
        bare, bare_base = serve("bare", str(logs / "bodies.json"), logs)
        await up(bare_base, paths["tickets"])
        out = []
        for name, path in paths.items():
            ours, our_rate = await load(m2c_base + path, ADMIN, clients, seconds)
            theirs, their_rate = await load(bare_base + path, {}, clients, seconds)
            out.append({"endpoint": name, "path": path, "bytes": len(bodies[path.split("?")[0]].encode()),
                        "m2c_p50": p(ours, 0.5), "m2c_p99": p(ours, 0.99), "m2c_rps": our_rate,
                        "bare_p50": p(theirs, 0.5), "bare_p99": p(theirs, 0.99), "bare_rps": their_rate})
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
    a = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    with postgres_server("http") as server, tempfile.TemporaryDirectory(prefix="m2c-bench-http-") as tmp:
        dbs = ScratchDatabases(server)
        try:
            dbs.create_template()

            async def go() -> list[dict]:
                url = await dbs.fresh()
                await seed_org(url)
                return await measure(url, a.rows, a.clients, a.seconds, Path(tmp))

            rows = asyncio.run(go())
        finally:
            asyncio.run(dbs.drop_all())
    print(f"HTTP reads: {a.clients} concurrent clients, {a.seconds:g} s per side, lists of {a.rows}; "
          f"{len(os.sched_getaffinity(0))} cores, load {os.getloadavg()[0]:.2f}")
    print(f"{'endpoint':<9} {'bytes':>7} {'m2c p50':>8} {'m2c p99':>8} {'m2c r/s':>8} "
          f"{'bare p50':>9} {'bare p99':>9} {'bare r/s':>9} {'p99 ratio':>9}")
    for r in rows:
        ratio = r["m2c_p99"] / r["bare_p99"]
        print(f"{r['endpoint']:<9} {r['bytes']:>7} {r['m2c_p50']:>8.0f} {r['m2c_p99']:>8.0f} {r['m2c_rps']:>8.0f} "
              f"{r['bare_p50']:>9.0f} {r['bare_p99']:>9.0f} {r['bare_rps']:>9.0f} {ratio:>9.2f}")
        results.record(f"http_read_{r['endpoint']}_p99", figure=f"GET {r['path'].split('?')[0]} p99 ({r['bytes']} B)",
                       value=round(r["m2c_p99"], 1), unit="ms", baseline=round(r["bare_p99"], 1), ratio=ratio,
                       target="ratio <= 1.5", passed=ratio <= 1.5,
                       scale=f"{a.clients} clients, {a.seconds:g} s, {a.rows} rows",
                       note=f"throughput {r['m2c_rps']:.0f} vs {r['bare_rps']:.0f} req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
