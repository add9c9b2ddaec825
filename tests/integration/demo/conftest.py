"""A small demo loaded into the embedded app, whose clock the loader moves to write history."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from services.demo.clock import ShiftableClock
from services.demo.loader import DemoSummary, load_demo
from shared.db import async_url
from shared.settings import Settings
from shared.testing.plugin import JWT_SECRET
from tests.helpers import embedded_client

TODAY = date(2026, 11, 20)
SMALL: dict[str, Any] = {"seed": 7, "customers": 500, "size": 0.2, "today": TODAY, "raw_months": 1}


@asynccontextmanager
async def loaded(settings: Settings, **options) -> AsyncIterator[tuple[httpx.AsyncClient, DemoSummary]]:
    clock = ShiftableClock()
    async with embedded_client(settings, clock=clock, request_timeout_s=120) as client:
        summary = await load_demo(client, secret=JWT_SECRET, clock=clock, **options)
        yield client, summary


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, DemoSummary]]:
    """The embedded app with a small demo (12 stations, 500 customers) loaded, and its summary."""
    async with loaded(settings, **SMALL) as pair:
        yield pair


@pytest.fixture
async def second_settings(settings: Settings, pg_server_url: str, template_db: str) -> AsyncIterator[Settings]:
    """Settings over a second fresh database at the migration head (for comparing two loads)."""
    dsn = async_url(pg_server_url).replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(f"{dsn}/postgres")
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
        yield settings.model_copy(update={"database_url": async_url(f"{dsn}/{name}")})
    finally:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.close()
