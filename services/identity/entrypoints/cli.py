"""identity's commands for the `m2c` CLI: `m2c user create|passwd|disable`.

A password is read from standard input with --password-stdin; otherwise a strong one is generated and
printed once (alone on stdout), so scripts and people both get it without it landing in shell history.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

app = typer.Typer(help="Accounts of people who sign in to the dashboard.", no_args_is_help=True,
                  add_completion=False)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(the password, whether it was generated here)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    from shared.identity.passwords import generate_password

    return generate_password(), True


def _run(command):
    from shared.cli_database import NoDatabase, settings_with_database
    from shared.runtime import Runtime

    try:
        settings = settings_with_database()
    except NoDatabase as exc:
        raise typer.BadParameter(str(exc), param_hint="environment") from exc

    async def main():
        runtime = await Runtime.open(settings)
        try:
            async with runtime.uow() as uow:
                return await command(uow, runtime.clock.now())
        finally:
            await runtime.close()

    from services.identity import handlers

    try:
        return asyncio.run(main())
    except handlers.InvalidInput as exc:
        raise typer.BadParameter(str(exc)) from exc
    except (handlers.NotFound, handlers.Conflict) as exc:
        typer.echo(f"m2c: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Sign-in name, e.g. zhang.wei")],
    role: Annotated[list[str], typer.Option("--role", help="admin, customer_service, marketing, audit_center, "
                                                            "station, viewer")],
    unit: Annotated[list[str], typer.Option("--unit", help="Org unit(s) the account may see")] = [],  # noqa: B006
    display_name: Annotated[str, typer.Option(help="Shown in the dashboard, e.g. 张伟")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
) -> None:
    """Create an account; prints a generated password once unless --password-stdin."""
    from services.identity import handlers

    password, generated = _password(password_stdin)
    _run(lambda uow, now: handlers.create_user(handlers.CreateUser(
        name, display_name, password, tuple(role), tuple(unit), now), uow))
    typer.echo(f"created {name}", err=True)
    if generated:
        typer.echo(password)


@app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
) -> None:
    """Set a new password (ends the account's sessions); prints a generated one unless --password-stdin."""
    from services.identity import handlers

    password, generated = _password(password_stdin)
    _run(lambda uow, now: handlers.update_user(handlers.UpdateUser(name, now, password=password), uow))
    if generated:
        typer.echo(password)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument()]) -> None:
    """Disable an account: its sessions end at once and it cannot sign in."""
    from services.identity import handlers

    _run(lambda uow, now: handlers.update_user(handlers.UpdateUser(name, now, disabled=True), uow))
    typer.echo(f"disabled {name}", err=True)
