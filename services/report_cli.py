"""`m2c report PERIOD --format html|pdf|xlsx`: the monthly bulletin (通报) written to a file.

services/cli.py registers it at the top level: `app.command(help=report_cli.report.__doc__)(report_cli.report)`.
By default the whole system is built in this process (embedded app on the configured or embedded
database) and read over ASGI; `--base-url` reads a running server's APIs instead. It composes every
service, so it lives beside the registry (the composition wing), not in services/bulletin.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shared.patterns import PERIOD_PATTERN

if TYPE_CHECKING:
    from services.bulletin.render import Format  # the bulletin (weasyprint…) loads only when a report is made

_FORMATS: tuple[Format, ...] = ("html", "pdf", "xlsx")


def _settings():
    from shared.cli_database import settings_with_database

    # A server started by `make run` / `m2c pg start` is reused; without one the report starts its own.
    return settings_with_database(required=False)


@asynccontextmanager
async def _in_process(settings) -> AsyncIterator:
    """The embedded app with its lifespan, and Sources over ASGI with a system token."""
    from services.bulletin.sources import Sources, system_headers
    from services.embedded import database
    from services.embedded_client import embedded_client

    with database(settings) as settings:
        async with embedded_client(settings, request_timeout_s=60,
                                   headers=system_headers(settings.resolved_jwt_secret())) as client:
            yield Sources.one(client)


@asynccontextmanager
async def _remote(base_url: str, token: str | None, settings) -> AsyncIterator:
    import httpx

    from services.bulletin.sources import Sources, system_headers

    headers = {"Authorization": f"Bearer {token}"} if token else system_headers(settings.resolved_jwt_secret())
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=60) as client:
        yield Sources.one(client)


async def _make(period: str, fmt: Format, base_url: str | None, token: str | None) -> bytes:
    from services.bulletin.compose import make_bulletin
    from services.bulletin.config import BulletinSettings
    from shared.clock import SystemClock

    settings = _settings()
    sources = _remote(base_url, token, settings) if base_url else _in_process(settings)
    async with sources as src:
        return await make_bulletin(src, period, fmt, BulletinSettings(), SystemClock().now())


def report(
    period: Annotated[str, typer.Argument(help="The month, YYYY-MM")],
    format: Annotated[str, typer.Option("--format", "-f", help="html | pdf | xlsx")] = "xlsx",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write (default m2c-PERIOD.FORMAT)")]
    = None,
    base_url: Annotated[str | None, typer.Option(help="Read a running m2c server's APIs (e.g. http://127.0.0.1:8000)"
                                                      " instead of building the system in this process")] = None,
    token: Annotated[str | None, typer.Option(help="Bearer token for --base-url (default $M2C_TOKEN, else a system "
                                                   "token minted with M2C_JWT_SECRET)")] = None,
) -> None:
    """Write the monthly bulletin (通报) of a period: HTML, PDF or XLSX."""
    from services.bulletin.gather import SourceError

    if not re.match(PERIOD_PATTERN, period):
        raise typer.BadParameter("a month YYYY-MM", param_hint="PERIOD")
    if format not in _FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(_FORMATS)}", param_hint="--format")
    try:
        content = asyncio.run(_make(period, format, base_url, token or os.environ.get("M2C_TOKEN")))
    except SourceError as exc:
        typer.echo(f"a service failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    target = output or Path(f"m2c-{period}.{format}")
    target.write_bytes(content)
    typer.echo(str(target))
