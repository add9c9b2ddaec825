"""An independent webhook receiver for tests: a real HTTP server on 127.0.0.1 that checks each
request's signature itself (`t=<unix>,v1=<hex>`, HMAC-SHA256 over "<t>." + body, 5-minute tolerance)
and records what it got."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Receiver:
    secret: str
    port: int
    received: list[dict] = field(default_factory=list)  # verified bodies, in arrival order
    delivery_ids: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    fail_with: int | None = None  # answer every request with this status instead of 200
    clock: Callable[[], float] = time.time  # the receiver's "now" for the replay tolerance
    tolerance_s: int = 300
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        if not self._signed(request.headers.get("X-M2C-Signature", ""), body):
            self.bad_signatures += 1
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if self.fail_with:
            return JSONResponse({"error": "busy"}, status_code=self.fail_with)
        self.delivery_ids.append(request.headers["X-M2C-Delivery"])
        self.received.append(json.loads(body))
        return JSONResponse({"ok": True})

    def _signed(self, header: str, body: bytes) -> bool:
        fields = [item.split("=", 1) for item in header.split(",") if "=" in item]
        stamps = [v for k, v in fields if k == "t"]
        if len(stamps) != 1 or abs(self.clock() - int(stamps[0])) > self.tolerance_s:
            return False
        expected = hmac.new(self.secret.encode(), f"{stamps[0]}.".encode() + body, hashlib.sha256).hexdigest()
        return any(k == "v1" and hmac.compare_digest(v, expected) for k, v in fields)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(500):  # until uvicorn has bound the port
            if self._server.started:
                break
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._task is not None
            await asyncio.wait_for(self._task, 10)
            self._server = None
