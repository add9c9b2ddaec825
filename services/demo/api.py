"""The demo's view of an m2c server: an httpx client and a token per role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx

from shared.auth import create_token

ROLES = ("admin", "system", "customer_service", "marketing", "audit_center")


class DemoLoadError(RuntimeError):
    """A call the loader made was refused: the method, path, status and problem body."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Api:
    def __init__(self, client: httpx.AsyncClient, secret: str, ttl_s: int = 6 * 3600):
        self.client = client
        self._headers = {r: {"Authorization": f"Bearer {create_token(secret, [r], subject=f'demo-{r}', ttl_s=ttl_s)}"}
                         for r in ROLES}

    async def call(self, method: str, path: str, *, role: str = "admin", ok: Iterable[int] = (200, 201, 204),
                   **kwargs: Any) -> Any:
        headers = {**self._headers[role], **kwargs.pop("headers", {})}
        r = await self.client.request(method, path, headers=headers, **kwargs)
        if r.status_code not in tuple(ok):
            raise DemoLoadError(f"{method} {path} → {r.status_code}: {r.text[:2000]}", r.status_code)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else None

    async def upload(self, path: str, chunks: Iterable[bytes], *, role: str = "system") -> Any:
        async def body() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return await self.call("POST", path, role=role, content=body(), headers={"Content-Type": "text/csv"})
