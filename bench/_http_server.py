"""One HTTP server process for bench/http_read.py (uvicorn, one worker, 127.0.0.1 only).

    python bench/_http_server.py m2c PORT DATABASE_URL      scoring + audit-link + alerts, as `m2c run` wires them
    python bench/_http_server.py bare PORT BODIES.json      bare FastAPI: each path returns its stored body
"""

from __future__ import annotations

import cProfile
import json
import os
import signal
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response


def bare_app(bodies: dict[str, str]) -> FastAPI:
    app = FastAPI()
    encoded = {path: body.encode() for path, body in bodies.items()}

    @app.get("/{path:path}")
    async def body(path: str, request: Request) -> Response:
        return Response(encoded["/" + path], media_type="application/json")

    return app


def m2c_app(database_url: str) -> FastAPI:
    from services.registry import SERVICES
    from shared.http.app import create_app
    from shared.settings import Settings
    from shared.testing.plugin import JWT_SECRET

    # The production defaults (relay pause 200 ms among them): the background work measured with the
    # reads is what a deployed process does between requests.
    settings = Settings(database_url=database_url, jwt_secret=JWT_SECRET, _env_file=None)
    return create_app(settings, [SERVICES[name]() for name in ("scoring", "audit-link", "alerts")], run_relay=True)


def main() -> None:
    kind, port, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = bare_app(json.loads(Path(arg).read_text())) if kind == "bare" else m2c_app(arg)
    # M2C_BENCH_PROFILE=FILE: the m2c side runs under cProfile, its stats written to FILE on exit
    # (`python -m pstats FILE`): where a request's CPU goes.
    profile = os.environ.get("M2C_BENCH_PROFILE") if kind == "m2c" else None
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        # uvicorn raises the SIGTERM it caught again once shut down: let it return here instead
        signal.signal(signal.SIGTERM, lambda *_: None)
        profiler.enable()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))


if __name__ == "__main__":
    main()
