"""The `m2c` command line: run, serve, relay, migrate, token, events, pg."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="m2c — meter-to-cash quality control.", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="Bearer tokens.", no_args_is_help=True)
events_app = typer.Typer(help="The event contract.", no_args_is_help=True)
pg_app = typer.Typer(help="The embedded PostgreSQL server (development; production sets M2C_DATABASE_URL).",
                     no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(events_app, name="events")
app.add_typer(pg_app, name="pg")


def _register_service_commands() -> None:
    """Service-owned commands at the top level, as DESIGN §5 names them (import, score, report)."""
    from services import report_cli
    from services.audit_link.entrypoints import cli as audit_cli
    from services.demo import cli as demo_cli
    from services.identity.entrypoints import cli as identity_cli
    from services.scoring.entrypoints import cli as scoring_cli

    app.add_typer(audit_cli.app, name="audit", help="audit_link: working-day calendar, SLA scan.")
    app.add_typer(identity_cli.app, name="user", help="Accounts: create, passwd, disable.")
    app.add_typer(demo_cli.app, name="demo", help="Demo data: the 清远 city bureau with a year of history.")
    app.command("import", help=scoring_cli.import_records.__doc__)(scoring_cli.import_records)
    app.command(help=scoring_cli.score.__doc__)(scoring_cli.score)
    app.command(help=report_cli.report.__doc__)(report_cli.report)


def _settings():
    from shared.settings import Settings

    return Settings()


def _serve(fastapi_app, settings) -> None:
    import uvicorn

    # uvicorn re-raises SIGTERM after its graceful shutdown; make that an exception so our
    # `finally` blocks (stopping the embedded PostgreSQL) still run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(fastapi_app, host=settings.host, port=settings.port, log_config=None, access_log=False)


@app.command()
def run(
    demo: Annotated[bool, typer.Option(help="Load the demo bureau into a fresh database first.")] = True,
) -> None:
    """Everything in one process on the embedded default: PostgreSQL, migrations, demo data, all services."""
    from services.embedded import build_app, database
    from shared.auth import create_token
    from shared.migration_state import upgrade
    from shared.observability import configure_logging

    settings = _settings()
    # Setting up (migrations, the demo's synthetic history) logs only errors, so the one line per step and
    # the sign-in stay readable; M2C_LOG_LEVEL=DEBUG shows everything.
    configure_logging(settings.log_level if settings.log_level.upper() == "DEBUG" else "ERROR")
    with database(settings) as settings:
        upgrade(settings.required_database_url())
        if demo:
            from services.demo.embedded import load_into

            asyncio.run(load_into(settings, only_if_fresh=True, say=lambda m: typer.echo(m, err=True)))
        token = create_token(settings.resolved_jwt_secret(), ["admin"], subject="admin", ttl_s=settings.jwt_ttl_s)
        password = asyncio.run(_first_admin_password(settings))
        base = f"http://{settings.host}:{settings.port}"
        sign_in = (f"登录 sign in: admin / {password}  (只显示这一次 shown once; 修改 change: m2c user passwd admin)"
                   if password else "登录 sign in: your account (m2c user create NAME --role … makes one)")
        typer.echo(f"\nm2c 已启动 is up: {base}   (API docs: {base}/docs)\n{sign_in}\n"
                   f"admin token for the API:\n{token}\n", err=True)
        configure_logging(settings.log_level)
        _serve(build_app(settings), settings)


async def _first_admin_password(settings) -> str | None:
    """A fresh database gets an `admin` account; its generated password is returned to be shown once."""
    from services.identity.handlers import ensure_first_admin
    from shared.identity.passwords import generate_password
    from shared.runtime import Runtime

    password = generate_password()
    runtime = await Runtime.open(settings)
    try:
        async with runtime.uow() as uow:
            return password if await ensure_first_admin(uow, runtime.clock.now(), password) else None
    finally:
        await runtime.close()


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="scoring | audit-link | alerts | bulletin | dashboard")],
    with_relay: Annotated[bool, typer.Option(help="Also run an outbox relay in this process.")] = False,
) -> None:
    """One service as its own process (production mode: M2C_DATABASE_URL and M2C_KAFKA_BOOTSTRAP)."""
    from services.registry import SERVICES
    from shared.http.app import create_app
    from shared.observability import configure_logging

    if service not in SERVICES:
        raise typer.BadParameter(f"choose one of {', '.join(SERVICES)}", param_hint="SERVICE")
    settings = _settings()
    if not settings.database_url:
        raise typer.BadParameter("M2C_DATABASE_URL is not set", param_hint="environment")
    configure_logging(settings.log_level)
    _serve(create_app(settings, [SERVICES[service]()], run_relay=with_relay, title=f"m2c {service}"), settings)


@app.command()
def relay() -> None:
    """The outbox relay alone (run one or more; they share work with SKIP LOCKED)."""
    from prometheus_client import start_http_server

    from shared.observability import configure_logging
    from shared.runtime import Runtime

    settings = _settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        runtime = await Runtime.open(settings)
        start_http_server(settings.metrics_port, addr=settings.host, registry=runtime.metrics.registry)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await runtime.relay().run(stop)
        finally:
            await runtime.close()

    asyncio.run(main())


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision for an upgrade.")] = "head",
    down: Annotated[str | None, typer.Option(help="Downgrade to this revision instead (e.g. base).")] = None,
) -> None:
    """Bring the database schema to the Alembic head (or down)."""
    from shared.migration_state import downgrade, upgrade

    settings = _settings()
    if not settings.database_url:
        raise typer.BadParameter("M2C_DATABASE_URL is not set", param_hint="environment")
    if down:
        downgrade(settings.database_url, down)
    else:
        upgrade(settings.database_url, revision)


@token_app.command("create")
def token_create(
    role: Annotated[list[str], typer.Option("--role", help="Role(s): admin, customer_service, marketing, "
                                                            "audit_center, station, viewer, system")],
    unit: Annotated[list[str], typer.Option("--unit", help="Org unit(s) the token may see")] = [],  # noqa: B006
    subject: Annotated[str | None, typer.Option(help="Who the token is for")] = None,
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds")] = None,
) -> None:
    """Print a signed token, alone on stdout."""
    from shared.auth import create_token
    from shared.settings import MissingSecret

    settings = _settings()
    try:
        token = create_token(settings.resolved_jwt_secret(create=False), role, units=unit, subject=subject,
                             ttl_s=ttl or settings.jwt_ttl_s)
    except MissingSecret as exc:
        raise typer.BadParameter(str(exc), param_hint="environment") from exc
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(token)


@events_app.command("export")
def events_export(directory: Path) -> None:
    """Write each event's JSON Schema and the AsyncAPI document into DIRECTORY."""
    from shared.events.schemas import all_event_schemas, asyncapi_document

    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in all_event_schemas().items():
        (directory / f"{name}.schema.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False))
    (directory / "asyncapi.json").write_text(json.dumps(asyncapi_document(), indent=2, ensure_ascii=False))
    typer.echo(f"wrote {len(all_event_schemas())} schemas and asyncapi.json to {directory}")


@events_app.command("replay-dlq")
def events_replay_dlq(
    group: Annotated[str | None, typer.Option(help="Only letters this consumer group dead-lettered (e.g. m2c-alerts)")]
    = None,
    since: Annotated[str | None, typer.Option(help="Only letters dead-lettered since: ISO time or 30m, 6h, 2d")] = None,
    include_poison: Annotated[bool, typer.Option(help="Also messages that never parsed as events")] = False,
    url: Annotated[str | None, typer.Option(help="Embedded mode: the running server (default M2C_HOST:M2C_PORT)")]
    = None,
) -> None:
    """Put dead letters back onto their original topics (consumers' inboxes make a replay safe).

    Kafka mode reads m2c.dlq.v1 directly; the embedded mode asks the running server, whose
    in-process event log holds its dead letters.
    """
    from shared.messaging.dead_letters import ReplayFilter, parse_since

    settings = _settings()
    try:
        which = ReplayFilter(group, parse_since(since) if since else None, include_poison)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    if settings.kafka_mode:
        typer.echo(json.dumps(asyncio.run(_replay_on_kafka(settings, which)).as_dict(), ensure_ascii=False))
        return
    import httpx

    from shared.auth import create_token

    token = create_token(settings.resolved_jwt_secret(), ["admin"], subject="m2c-cli", ttl_s=300)
    params = {k: v for k, v in {"group": group, "since": which.since and which.since.isoformat(),
                                "include_poison": str(include_poison).lower()}.items() if v}
    base = url or f"http://{settings.host}:{settings.port}"
    try:
        r = httpx.post(f"{base}/ops/dead-letters/replay", params=params, timeout=60,
                       headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        typer.echo(f"没有运行中的 m2c (no running server at {base}): {exc}", err=True)
        raise typer.Exit(1) from exc
    if r.status_code != 200:
        typer.echo(r.text, err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(r.json(), ensure_ascii=False))


async def _replay_on_kafka(settings, which):
    from shared.messaging import dead_letters
    from shared.observability import Metrics
    from shared.runtime import dead_letter_log
    from shared.transport import KafkaTransport

    transport = KafkaTransport(settings, Metrics())
    await transport.start()
    try:
        async with dead_letter_log(settings, transport) as letters:
            report = await dead_letters.replay(letters, transport.publisher, which, prefix=settings.topic_prefix)
    finally:
        await transport.stop()
    typer.echo(dead_letters.describe_report(report), err=True)
    return report


@pg_app.command("start")
def pg_start() -> None:
    """Start the embedded server under M2C_DATA_DIR/pg, on the port it had before; prints its URL alone on stdout."""
    from shared.embedded_pg import EmbeddedPostgres

    settings = _settings()
    pg = EmbeddedPostgres.at(settings.data_dir.resolve() / "pg")
    url = pg.url() if pg.running() and (pg.pgdata / "postmaster.pid").exists() else pg.start()
    typer.echo(url)


@pg_app.command("stop")
def pg_stop() -> None:
    """Stop the embedded server; `m2c pg start` brings it back on the same port."""
    from shared.embedded_pg import EmbeddedPostgres

    settings = _settings()
    EmbeddedPostgres.at(settings.data_dir.resolve() / "pg").stop()


def main() -> None:
    _register_service_commands()
    app()
