"""Where the Alembic history lives and whether a database is at its head."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def migrations_dir() -> Path:
    spec = importlib.util.find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the migrations package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()
    if head is None:
        raise RuntimeError("the migration history is empty")
    return head


async def database_revision(session: AsyncSession) -> str | None:
    exists = (await session.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
    if exists is None:
        return None
    return (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Run migrations (synchronously: Alembic's env runs its own event loop)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)
