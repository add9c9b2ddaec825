"""`m2c audit …` commands: the working-day calendar and a one-off SLA scan.

Registered by services/cli.py as a sub-app (e.g. `app.add_typer(audit_cli.app, name="audit")`).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="audit_link: working-day calendar and SLA scanner.", no_args_is_help=True)


def _settings():
    from shared.cli_database import NoDatabase, settings_with_database

    try:
        return settings_with_database()
    except NoDatabase as exc:
        raise typer.BadParameter(str(exc), param_hint="environment") from exc


@app.command("calendar-load")
def calendar_load(
    year: Annotated[int, typer.Argument(help="The year the schedule is for")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help='JSON: {"holidays": ["YYYY-MM-DD" | {"date", "name"}], '
                                              '"workdays": [...], "source": "…"}')],
) -> None:
    """Load (or replace) one year's official holiday schedule, as PUT /api/v1/calendar/years/{year} does
    (pending ticket deadlines it makes computable are set in the same transaction)."""
    from services.audit_link.handlers import calendar
    from shared.runtime import Runtime

    body = json.loads(file.read_text(encoding="utf-8"))

    def days(kind: str) -> list[tuple[date, str | None]]:
        out = []
        for item in body.get(kind, []):
            item = {"date": item} if isinstance(item, str) else item
            day = date.fromisoformat(item["date"])
            if day.year != year:
                raise typer.BadParameter(f"{kind}: {day} is not in {year}")
            if kind == "workdays" and day.weekday() < 5:
                raise typer.BadParameter(f"workdays: {day} is a weekday; make-up working days fall on weekends")
            out.append((day, item.get("name")))
        return out

    holidays, workdays = days("holidays"), days("workdays")

    async def main() -> int:
        runtime = await Runtime.open(_settings())
        try:
            async with runtime.uow() as uow:
                return await calendar.load_year(calendar.LoadYear(
                    year, holidays, workdays, source=body.get("source", str(file)), by="cli",
                    at=runtime.clock.now()), uow)
        finally:
            await runtime.close()

    settled = asyncio.run(main())
    typer.echo(f"{year}: {len(holidays)} holidays, {len(workdays)} make-up working days loaded; "
               f"{settled} pending ticket deadline(s) computed")


@app.command("sla-scan")
def sla_scan() -> None:
    """Run one SLA-scanner pass now (the service runs it continuously; this is for ops and cron)."""
    from services.audit_link.entrypoints.workers import scan_once
    from shared.runtime import Runtime

    async def main() -> None:
        runtime = await Runtime.open(_settings())
        try:
            result = await scan_once(runtime)
        finally:
            await runtime.close()
        typer.echo(json.dumps({"escalated": result.escalated, "breaches": result.breaches,
                               "postponed": result.postponed}))

    asyncio.run(main())
