"""Push-back instead of queueing or 500s: in-flight limit, request timeout, database unreachable → 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, Request

from services.registry import SERVICES
from shared.embedded_pg import free_port
from shared.http.app import ServiceParts, create_app
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, eventually

ADMIN = token("admin")


async def _done(condition: bool) -> bool:
    return condition


def _slow_service(release: asyncio.Event, entered: list[str]) -> ServiceParts:
    router = APIRouter()

    @router.get("/slow/{name}")
    async def slow(name: str) -> dict:
        entered.append(name)
        await release.wait()
        return {"name": name}

    @router.get("/bug")
    async def bug() -> dict:
        raise FileNotFoundError(2, "no such file")  # an OSError, but no connection failure: a bug

    @router.post("/upload")
    async def upload(request: Request, then_sleep: float = 0) -> dict:
        size = len(await request.body())
        await asyncio.sleep(then_sleep)
        return {"size": size}

    @router.get("/sleep")
    async def sleep() -> dict:
        await asyncio.sleep(30)
        return {}

    return ServiceParts("slow", routers=[router])


@asynccontextmanager
async def _client(settings: Settings, services: list[ServiceParts]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://m2c", timeout=10) as client,
    ):
        yield client


def _is_push_back(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["status"] == 503 and r.json()["detail"]


async def test_requests_beyond_the_in_flight_limit_are_refused_at_once(settings: Settings) -> None:
    entered: list[str]
    release, entered = asyncio.Event(), []
    limited = settings.model_copy(update={"http_max_in_flight": 2})
    async with _client(limited, [_slow_service(release, entered)]) as client:
        busy = [asyncio.create_task(client.get(f"/slow/{n}")) for n in ("a", "b")]
        await eventually(lambda: _done(len(entered) == 2), pause_s=0.01)
        started = asyncio.get_running_loop().time()
        refused = await client.get("/slow/c")
        assert asyncio.get_running_loop().time() - started < 1  # no queueing
        _is_push_back(refused)
        assert refused.json()["title"] == "同时处理的请求过多"
        assert (await client.get("/healthz")).status_code == 200  # probes are never limited
        assert "c" not in entered
        release.set()
        assert [r.status_code for r in await asyncio.gather(*busy)] == [200, 200]
        assert (await client.get("/slow/d")).status_code == 200  # the slots were given back
        metrics = (await client.get("/metrics")).text
        assert 'm2c_http_request_duration_seconds_count{method="GET",route="unmatched",status="503"} 1.0' in metrics


async def test_a_request_without_an_answer_in_time_gets_503(settings: Settings) -> None:
    quick = settings.model_copy(update={"http_request_timeout_s": 0.3})
    async with _client(quick, [_slow_service(asyncio.Event(), [])]) as client:
        started = asyncio.get_running_loop().time()
        r = await client.get("/sleep")
        assert asyncio.get_running_loop().time() - started < 2
        _is_push_back(r)
        assert r.json()["title"] == "请求超时"

        async def slow_upload():  # 0.8 s of upload: the clock starts once it is in
            for _ in range(8):
                await asyncio.sleep(0.1)
                yield b"x" * 1000

        r = await client.post("/upload", content=slow_upload())
        assert r.status_code == 200 and r.json() == {"size": 8000}
        r = await client.post("/upload?then_sleep=5", content=b"x" * 10)
        _is_push_back(r)


async def test_database_unreachable_answers_503_with_retry_after(settings: Settings) -> None:
    nowhere = settings.model_copy(update={
        "database_url": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/m2c"})
    async with _client(nowhere, [SERVICES["audit-link"]()]) as client:
        r = await client.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)
        _is_push_back(r)
        assert r.json()["title"] == "服务暂不可用"
        assert int(r.headers["retry-after"]) == nowhere.http_retry_after_s
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("failed")


async def test_a_bug_is_still_a_500_not_a_503(settings: Settings) -> None:
    async with _client(settings, [_slow_service(asyncio.Event(), [])]) as client:
        r = await client.get("/bug")
        assert r.status_code == 500 and "retry-after" not in r.headers
        assert r.json()["title"] == "内部错误"
