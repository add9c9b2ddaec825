"""One alert to many webhook subscriptions on a local receiver: time until every one is delivered.

    python bench/fanout.py [--subscriptions N]     # default 100; target: all delivered in < 2 s

A real PostgreSQL (embedded, or M2C_BENCH_DATABASE_URL), the alerts service's own code path: one
TicketEscalated signal → alert + N notification groups in one transaction (lifecycle.on_signal) → the
delivery worker looks at the due groups (group_wait 0), queues one delivery each and POSTs each,
signed, to a local HTTP receiver (uvicorn) that verifies signatures.
Time: from the transaction start to the receiver holding N verified deliveries.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _servers import dsn, postgres_server  # noqa: E402  (bench/ is on sys.path when run as a script)

from services.alerts import lifecycle  # noqa: E402
from services.alerts.adapters import repository  # noqa: E402
from services.alerts.config import AlertsSettings  # noqa: E402
from services.alerts.domain.alerts import from_ticket_escalated  # noqa: E402
from services.alerts.entrypoints.delivery_worker import DeliveryWorker  # noqa: E402
from shared.db import async_url  # noqa: E402
from shared.embedded_pg import free_port  # noqa: E402
from shared.migration_state import upgrade  # noqa: E402
from shared.runtime import Runtime  # noqa: E402
from shared.settings import Settings  # noqa: E402
from shared.transport import InProcessTransport  # noqa: E402

SECRET = "bench-secret-0123456789"



async def run(server_url: str, n: int) -> None:
    db = f"m2c_bench_fanout_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn(server_url, "postgres"))
    await admin.execute(f"CREATE DATABASE {db}")
    received: set[str] = set()
    bad = 0
    done = asyncio.Event()

    async def hook(request: Request) -> Response:
        nonlocal bad
        body = await request.body()
        t, _, v1 = request.headers.get("X-M2C-Signature", "").partition(",v1=")
        sig = hmac.new(SECRET.encode(), t.removeprefix("t=").encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, v1):
            bad += 1
            return Response(status_code=401)
        received.add(request.headers["X-M2C-Delivery"])
        if len(received) >= n:
            done.set()
        return Response(status_code=204)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    server_task = asyncio.create_task(server.serve())
    try:
        await asyncio.to_thread(upgrade, dsn(server_url, db))
        settings = Settings(database_url=async_url(dsn(server_url, db)), jwt_secret="x" * 32, _env_file=None)
        runtime = await Runtime.open(settings, transport=InProcessTransport())
        try:
            async with runtime.uow() as uow:
                for i in range(n):
                    await repository.add_subscription(uow.session, {
                        "id": uuid.uuid4(), "name": f"sub-{i}", "types": [], "min_severity": "info",
                        "unit_prefix": None, "channel": "webhook", "url": f"http://127.0.0.1:{port}/hook",
                        "secret": SECRET, "repeat_interval_s": None, "created_by": "bench",
                        "group_wait_s": 0,  # measure the path, not the (default 30 s) wait for a burst
                        "created_at": datetime.now(UTC)})
                await uow.commit()
            for _ in range(500):  # until uvicorn has bound the port
                if server.started:
                    break
                await asyncio.sleep(0.01)
            worker = DeliveryWorker(runtime, AlertsSettings(poll_s=0.01))
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop))
            await asyncio.sleep(0.2)  # the worker's HTTP client is up
            started = time.perf_counter()
            async with runtime.uow() as uow:
                signal = from_ticket_escalated(str(uuid.uuid4()), "QY-QC-01", "issued", 2)
                await lifecycle.on_signal(uow, signal, uuid.uuid4(), datetime.now(UTC))
                await uow.commit()
            await asyncio.wait_for(done.wait(), 60)
            elapsed = time.perf_counter() - started
            stop.set()
            await task
        finally:
            await runtime.close()
        print(f"{n} webhook subscriptions: all {len(received)} deliveries verified in {elapsed:.3f} s "
              f"(bad signatures: {bad}; target < 2 s)")
    finally:
        server.should_exit = True
        await server_task
        await admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100)
    args = parser.parse_args()
    with postgres_server("fanout") as url:
        asyncio.run(run(url, args.subscriptions))


if __name__ == "__main__":
    main()
