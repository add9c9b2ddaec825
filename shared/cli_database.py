"""Which database a command-line tool talks to: M2C_DATABASE_URL, or the embedded server that
`m2c run` / `m2c pg start` left its URL for under M2C_DATA_DIR/pg/url."""

from __future__ import annotations

from shared.settings import Settings


class NoDatabase(Exception):
    pass


def settings_with_database(settings: Settings | None = None) -> Settings:
    settings = settings or Settings()
    if settings.database_url:
        return settings
    url_file = settings.data_dir / "pg" / "url"
    if not url_file.exists():
        raise NoDatabase("set M2C_DATABASE_URL, or start the embedded server (`m2c run` or `m2c pg start`)")
    return settings.model_copy(update={"database_url": url_file.read_text().strip()})
