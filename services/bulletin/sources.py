"""HTTP clients of the four services the bulletin reads: in-app (ASGI) or at their base URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from services.bulletin.config import BulletinSettings
from shared.auth import create_token

IN_APP_BASE = "http://m2c"


@dataclass(frozen=True)
class Sources:
    scoring: httpx.AsyncClient
    audit_link: httpx.AsyncClient
    alerts: httpx.AsyncClient
    bill_review: httpx.AsyncClient

    @classmethod
    def one(cls, client: httpx.AsyncClient) -> Sources:
        """All four services behind one client (the embedded app, or a gateway)."""
        return cls(client, client, client, client)


def system_headers(jwt_secret: str) -> dict[str, str]:
    token = create_token(jwt_secret, ["system"], subject="bulletin", ttl_s=600)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def open_sources(app: ASGIApp, jwt_secret: str, settings: BulletinSettings) -> AsyncIterator[Sources]:
    """Clients with a system token: a service with a configured base URL is called there, the others
    through `app` itself (ASGI, no network)."""
    headers = system_headers(jwt_secret)
    async with AsyncExitStack() as stack:
        in_app: list[httpx.AsyncClient] = []

        async def client_for(url: str | None) -> httpx.AsyncClient:
            if url:
                return await stack.enter_async_context(
                    httpx.AsyncClient(base_url=url, headers=headers, timeout=settings.timeout_s))
            if not in_app:
                in_app.append(await stack.enter_async_context(httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=IN_APP_BASE, headers=headers,
                    timeout=settings.timeout_s)))
            return in_app[0]

        yield Sources(await client_for(settings.scoring_url), await client_for(settings.audit_link_url),
                      await client_for(settings.alerts_url), await client_for(settings.bill_review_url))
