"""One engine factory that switches on the URL's dialect, and the session factory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the job runner write while API requests read, without "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    # Foreign keys are off by default in SQLite; we rely on them for cascades and integrity.
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait for a competing writer instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=30000")
    # NORMAL is durable with WAL and much faster than FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_sqlite_file(database: str | None) -> None:
    """Make the SQLite file (and its -wal/-shm files) readable by the owner only (0600).

    The file holds password and key hashes and encrypted secrets. SQLite creates -wal and -shm
    with the main file's permissions, so fixing the main file (before the first connection) is enough;
    files left by an older version are tightened too.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will report the missing folder itself
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists() and part.stat().st_mode & 0o077:
            part.chmod(0o600)


def make_engine(url: str) -> Engine:
    """Create the engine for *url*: SQLite gets pragmas and thread sharing, PostgreSQL uses psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _private_sqlite_file(parsed.database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit, so services can return what they wrote."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session
