"""docs/webhooks.md's verification recipes (Python and Java), run against real deliveries from m2c."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import uuid
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.embedded_pg import free_port
from shared.settings import Settings
from tests.helpers import embedded_client, eventually
from tests.integration.alerts.support import ADMIN, escalated, publish

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
OLD, NEW = "old-secret-0123456789", "new-secret-9876543210"


def _recipe(language: str) -> str:
    [code] = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return code


class Capture:
    """A receiver that answers 200 and keeps each request's raw body and signature header."""

    def __init__(self) -> None:
        self.port = free_port()
        self.got: list[tuple[str, bytes]] = []

    async def hook(self, request: Request) -> Response:
        self.got.append((request.headers["X-M2C-Signature"], await request.body()))
        return Response(status_code=200)

    async def __aenter__(self) -> Capture:
        self.server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", self.hook, methods=["POST"])]),
                                                    host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.task = asyncio.create_task(self.server.serve())
        await eventually(lambda: asyncio.sleep(0, self.server.started or None))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 10)


async def _captured_deliveries(settings: Settings) -> list[tuple[str, bytes]]:
    """One delivery signed by OLD alone, then one signed during a rotation to NEW."""
    async with Capture() as capture, embedded_client(settings) as client:
        runtime = client.app.state.runtime
        r = await client.post("/api/v1/subscriptions", headers=ADMIN, json={
            "name": "audit-system", "match": {"types": ["TicketEscalated"]},
            "channel": {"type": "webhook", "url": f"http://127.0.0.1:{capture.port}/hook", "secret": OLD},
            "group_by": ["..."], "group_wait_s": 0})
        assert r.status_code == 201, r.text
        await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
        await eventually(lambda: asyncio.sleep(0, len(capture.got) >= 1 or None))
        rotated = await client.post(f"/api/v1/subscriptions/{r.json()['id']}/secret", headers=ADMIN,
                                    json={"secret": NEW, "overlap_s": 3600})
        assert rotated.status_code == 200 and rotated.json()["rotation_until"], rotated.text
        assert NEW not in rotated.text and OLD not in rotated.text
        await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
        await eventually(lambda: asyncio.sleep(0, len(capture.got) >= 2 or None))
    return capture.got


async def test_python_and_java_recipes_accept_fresh_deliveries_and_reject_replays(settings: Settings,
                                                                                  tmp_path: Path) -> None:
    (before, body1), (during, body2) = await _captured_deliveries(settings)
    assert before.count("v1=") == 1 and during.count("v1=") == 2

    namespace: dict = {}
    exec(compile(_recipe("python"), str(DOC), "exec"), namespace)
    verify = namespace["verify"]
    java_file = tmp_path / "M2cSignature.java"
    java_file.write_text(_recipe("java"), encoding="utf-8")

    def java(header: str, secret: str, body: bytes, now: int) -> bool:
        body_file = tmp_path / f"body-{uuid.uuid4().hex}"
        body_file.write_bytes(body)
        out = subprocess.run(["java", str(java_file), header, secret, str(body_file), str(now)],
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip() == "valid"

    now = int(time.time())
    cases = [  # (header, secret, body, now, expected)
        (before, OLD, body1, now, True),
        (before, NEW, body1, now, False),  # not yet rotated
        (during, OLD, body2, now, True),  # both secrets sign during the overlap
        (during, NEW, body2, now, True),
        (during, NEW, body2, now + 301, False),  # the captured delivery replayed 5 minutes later
        (during, NEW, body2 + b" ", now, False),  # a tampered body
    ]
    for header, secret, body, at, expected in cases:
        assert verify(header, secret, body, now=at) is expected, (header, secret, at)
    java_results = [java(h, s, b, at) for h, s, b, at, _ in cases]
    assert java_results == [c[-1] for c in cases]
