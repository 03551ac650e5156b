"""Apply the Alembic migrations at start-up, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config that runs our migrations on *engine* (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    command.upgrade(alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaOutOfDate(RuntimeError):
    """The database is not at this package's schema and this server was told not to migrate it."""


def require_current_schema(engine: Engine) -> None:
    """Refuse to serve on a schema other than this package's head (run ``mlcube-nb migrate`` first)."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(f"the database schema is at revision {current or 'none'}, this server needs {head}: "
                              "run `mlcube-nb migrate` once, then start the servers")
