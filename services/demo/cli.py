"""`m2c demo …`: load the demo city bureau (清远供电局) into a database or a running server."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer

app = typer.Typer(help="Demo data: a realistic city bureau with a year of history.", no_args_is_help=True)


@app.callback()
def demo() -> None:
    """Demo data: a realistic city bureau (清远供电局) with a year of history."""


@app.command("load")
def load(
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 2026,
    customers: Annotated[int, typer.Option(min=0, help="Customers with 12 months of bills and payments.")] = 20_000,
    size: Annotated[float, typer.Option(min=0.05, max=1.0, help="Share of the 60 supply stations.")] = 1.0,
    today: Annotated[str | None, typer.Option(help="YYYY-MM-DD the history ends at (default: today).")] = None,
    base_url: Annotated[str | None, typer.Option(
        help="Load a running server (e.g. http://127.0.0.1:8000); its M2C_JWT_SECRET must be this "
             "environment's. Default: the embedded app in-process over the configured or embedded database.")] = None,
    force: Annotated[bool, typer.Option(help="Load even when the database already has the demo.")] = False,
) -> None:
    """Generate the demo deterministically from SEED and write it through the HTTP API."""
    from shared.settings import Settings

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint="--today") from exc
    if day is not None and day > date.today():
        # every write for a month after the current one is refused (422), so say it up front
        raise typer.BadParameter("must not be after today: m2c refuses facts for months to come", param_hint="--today")
    settings = Settings()
    if base_url:
        asyncio.run(_load_remote(base_url, settings, seed, customers, size, day, force))
        return
    from services.demo.embedded import load_into
    from services.embedded import database
    from shared.migration_state import upgrade

    with database(settings) as settings:
        upgrade(settings.required_database_url())
        summary = asyncio.run(load_into(settings, seed=seed, customers=customers, size=size, today=day,
                                        only_if_fresh=not force, say=typer.echo))
    if summary is not None:
        typer.echo(f"demo loaded in {summary.total_seconds:.1f} s")


async def _load_remote(base_url: str, settings, seed: int, customers: int, size: float, day: date | None,
                       force: bool) -> None:
    import httpx

    from services.demo.loader import demo_is_loaded, load_demo

    secret = settings.resolved_jwt_secret()
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
        if not force and await demo_is_loaded(client, secret=secret):
            typer.echo("demo: the server has data already; use --force to load anyway")
            return
        summary = await load_demo(client, seed=seed, customers=customers, size=size, today=day, secret=secret,
                                  say=typer.echo)
    typer.echo(f"demo loaded in {summary.total_seconds:.1f} s (no clock control: tickets are not back-dated)")
