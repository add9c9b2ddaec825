"""scoring's commands for the `m2c` CLI: import raw records, score a period, write the monthly report.

services/cli.py registers the three commands at its top level:
`app.command("import")(import_records); app.command()(score); app.command()(report)`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import typer

from shared.patterns import PERIOD_PATTERN

app = typer.Typer(help="Scoring: raw records, scores, the monthly report.", no_args_is_help=True,
                  add_completion=False)
_CHUNK = 1024 * 1024


def _settings():
    from shared.cli_database import NoDatabase, settings_with_database

    try:
        return settings_with_database()
    except NoDatabase as exc:
        raise typer.BadParameter(str(exc), param_hint="environment") from exc


def _check_period(period: str) -> str:
    import re

    if not re.match(PERIOD_PATTERN, period):
        raise typer.BadParameter("a month YYYY-MM", param_hint="PERIOD")
    return period


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    """The file in 1 MiB chunks, read off the event loop; never the whole file at once."""
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, _CHUNK):
            yield chunk


async def _run(work):
    from shared.runtime import Runtime

    runtime = await Runtime.open(_settings())
    try:
        return await work(runtime)
    finally:
        await runtime.close()


def _fail(exc: Exception) -> None:
    errors = getattr(exc, "errors", None)
    typer.echo(json.dumps({"error": str(exc), "errors": errors}, ensure_ascii=False), err=True)
    raise typer.Exit(2)


@app.command("import")
def import_records(
    kind: Annotated[str, typer.Argument(help="readings | bills | reconciliations | anomalies | ledger")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    period: Annotated[str, typer.Option(help="The month the records belong to (YYYY-MM)")],
    format: Annotated[str | None, typer.Option(help="csv | ndjson (default: by file extension)")] = None,
) -> None:
    """Stream a raw file into the period's counters (atomic: one bad row rejects the file)."""
    from services.scoring.domain.errors import InvalidInput
    from services.scoring.handlers.facts import ImportRecords
    from services.scoring.handlers.facts import import_records as import_file
    from shared.settings import Settings
    from shared.text_decoding import TextDecoder, TextRejected, decoded

    fmt = format or ("ndjson" if file.suffix in (".ndjson", ".jsonl") else "csv")

    async def work(runtime):
        async with runtime.uow() as uow:
            return await import_file(ImportRecords(kind, _check_period(period), fmt,
                                                   decoded(file_chunks(file), decoder), runtime.clock.now()), uow)

    try:
        decoder = TextDecoder(None, max_line_bytes=Settings().import_max_line_bytes, csv_quotes=fmt == "csv")
        result = asyncio.run(_run(work))
    except (InvalidInput, TextRejected) as exc:
        _fail(exc)
    typer.echo(json.dumps({"kind": kind, "period": period, "rows": result.rows, "units": result.units,
                           "counters": result.totals, "encoding": decoder.encoding}))


@app.command()
def score(period: Annotated[str, typer.Argument(help="YYYY-MM")],
          allow_incomplete: Annotated[bool, typer.Option(
              help="Publish stations that lack required facts, marked incomplete")] = False) -> None:
    """Score the period as a new revision (events go to the outbox; a relay publishes them)."""
    from services.scoring.domain.errors import IncompletePeriod, InvalidInput
    from services.scoring.handlers.scores import ScorePeriod, score_period
    from shared.errors import NotFound

    async def work(runtime):
        async with runtime.uow() as uow:
            return await score_period(ScorePeriod(_check_period(period), "cli", runtime.clock.now(),
                                                  allow_incomplete=allow_incomplete), uow)

    try:
        run = asyncio.run(_run(work))
    except IncompletePeriod as exc:
        typer.echo(json.dumps({"error": str(exc), "incomplete": exc.incomplete,
                               "hint": "--allow-incomplete publishes them as incomplete"}, ensure_ascii=False),
                   err=True)
        raise typer.Exit(2) from exc
    except (NotFound, InvalidInput) as exc:
        _fail(exc)
    typer.echo(json.dumps({"period": run.period, "revision": run.revision, "scheme": run.scheme,
                           "units": len(run.rows), "warnings_issued": run.warnings}))


@app.command()
def report(
    period: Annotated[str, typer.Argument(help="YYYY-MM")],
    format: Annotated[str, typer.Option(help="xlsx (html/pdf are not built yet)")] = "xlsx",
    output: Annotated[Path | None, typer.Option(help="Where to write (default m2c-PERIOD.xlsx)")] = None,
) -> None:
    """Write the monthly bulletin (通报) of the period's latest revision."""
    from services.scoring.adapters import score_repository
    from services.scoring.entrypoints.report import build_report

    if format != "xlsx":
        raise typer.BadParameter("only xlsx is supported", param_hint="--format")

    async def work(runtime):
        async with runtime.uow() as uow:
            revision = await score_repository.latest_revision(uow.session, _check_period(period))
            if revision is None:
                return None
            return build_report(period, revision,
                                await score_repository.list_scores(uow.session, period, revision, None))

    content = asyncio.run(_run(work))
    if content is None:
        typer.echo(f"period {period} has not been scored", err=True)
        raise typer.Exit(1)
    target = output or Path(f"m2c-{period}.xlsx")
    target.write_bytes(content)
    typer.echo(str(target))
