"""Which database a command-line tool talks to: M2C_DATABASE_URL, or the embedded server of this checkout
that `m2c run` (make run) or `m2c pg start` is running — found by its data directory and saved port."""

from __future__ import annotations

from shared.embedded_pg import EmbeddedPostgres
from shared.settings import Settings


class NoDatabase(Exception):
    pass


def settings_with_database(settings: Settings | None = None, *, required: bool = True) -> Settings:
    """Settings naming a reachable database; NoDatabase when none is running (unless not `required`:
    then the settings as they are, for a caller that starts its own embedded server)."""
    settings = settings or Settings()
    if settings.database_url:
        return settings
    server = EmbeddedPostgres.at(settings.data_dir.resolve() / "pg")
    if server.running():
        return settings.model_copy(update={"database_url": server.url()})
    if required:
        raise NoDatabase(f"no database: set M2C_DATABASE_URL, or start the embedded server of "
                         f"{settings.data_dir.resolve()} (`make run`, `m2c run` or `m2c pg start`)")
    return settings
