"""Alembic environment: runs on the engine handed in by ``migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from mlcube_nb.server.db import tables  # noqa: F401 - registers the tables on the metadata
from mlcube_nb.server.db.base import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
